import ArgumentParser
import JSON
import LXD

/// `lxattach operation list|show|delete|wait`: LXD's operations API.
struct OperationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "operation",
        abstract: "List, show, cancel, wait for and watch operations; fetch a detached exec's output.",
        subcommands: [List.self, Show.self, Delete.self, Wait.self, OutputCommand.self, Watch.self]
    )

    struct List: ParsableCommand {
        static var configuration: CommandConfiguration {
            CommandConfiguration(commandName: "list", abstract: "List operations (like `\(Naming.client) operation list`).", aliases: ["ls"])
        }
        @OptionGroup var global: GlobalOptions
        @Option(name: [.short, .long], help: "Output format: table, csv, json, yaml or compact.")
        var format: OutputFormat = .table
        @Flag(name: .long, help: "Show operations of every project.")
        var allProjects = false
        @Flag(name: .long, help: "Show live operations' websocket secrets in json/yaml (they let anyone who can reach the daemon attach).")
        var showSecrets = false
        @Argument(help: "[remote:]")
        var remote: String?

        func run() throws {
            let client = try global.settings.client(forRemote: remote)
            let ops: [Operation]
            do { ops = try client.operations.list(allProjects: allProjects) } catch { throw Failure(error) }
            switch format {
            case .json:
                Output.out(JSONValue.array(ops.map { shown($0, showSecrets) }).serialized() + "\n")
            case .yaml:
                Output.out(YAMLWriter.string(for: .array(ops.map { shown($0, showSecrets) })))
            case .table, .csv, .compact:
                // lxc adds LOCATION (the member running the operation) when the server is
                // clustered, and sorts the rows naturally, column by column.
                let clustered: Bool
                do { clustered = try client.cluster.isClustered() } catch { throw Failure(error) }
                var headers = ["ID", "TYPE", "DESCRIPTION", "STATUS", "CANCELABLE", "CREATED"]
                if clustered { headers.append("LOCATION") }
                let rows = ops.map { op in
                    [op.id, op.operationClass.uppercased(), op.description, op.status.uppercased(),
                     op.mayCancel ? "YES" : "NO", lxcDate(op.createdAt)] + (clustered ? [op.location] : [])
                }
                Output.out(Table.text(format, headers: headers, rows: NaturalOrder.sorted(rows)))
            }
        }
    }

    struct Show: ParsableCommand {
        static var configuration: CommandConfiguration {
            CommandConfiguration(commandName: "show", abstract: "Show an operation (YAML, like `\(Naming.client) operation show`).")
        }
        @OptionGroup var global: GlobalOptions
        @Option(name: [.short, .long], help: "Output format: yaml or json.")
        var format: OutputFormat = .yaml
        @Flag(name: .long, help: "Show the websocket secrets of a live operation (they let anyone who can reach the daemon attach).")
        var showSecrets = false
        @Argument(help: "[remote:]<operation uuid>")
        var operation: String

        func validate() throws { try validateDocumentFormat(format) }

        func run() throws {
            let (client, id) = try operationTarget(global: global.settings, operation)
            let op: Operation
            do { op = try client.operations.get(id) } catch { throw Failure(error) }
            printOperation(op, format: format, showSecrets: showSecrets)
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Cancel an operation.", aliases: ["rm"])
        @OptionGroup var global: GlobalOptions
        @Argument(help: "[remote:]<operation uuid>")
        var operation: String

        func run() throws {
            let (client, id) = try operationTarget(global: global.settings, operation)
            do {
                try client.operations.delete(id)
            } catch {
                if case .api(400, let message) = error, message.contains("can't be cancelled") {
                    throw Failure("operation \(id) can't be cancelled: the daemon does not allow cancelling it (LXD 5.0 exec operations are not cancellable; end the command instead)")
                }
                throw Failure(error)
            }
        }
    }

    struct Wait: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "wait",
            abstract: "Wait for an operation to finish and show it.",
            discussion: """
                Prints the final operation (YAML, or --format json). Exit status: 0 when it \
                succeeded, 1 when it failed or was cancelled, 124 when --timeout passed first \
                (the still-running operation is printed), 255 when lxattach itself failed \
                (e.g. the operation does not exist: finished operations vanish after 5 s).
                """
        )
        @OptionGroup var global: GlobalOptions
        @Option(name: [.short, .long], help: "Output format: yaml or json.")
        var format: OutputFormat = .yaml
        @Flag(name: .long, help: "Show the websocket secrets of a live operation (they let anyone who can reach the daemon attach).")
        var showSecrets = false
        @Option(name: .long, help: "Give up after this many seconds (default: no limit).")
        var timeout: Double?
        @Argument(help: "[remote:]<operation uuid>")
        var operation: String

        func validate() throws {
            try validateDocumentFormat(format)
            if let timeout, !(timeout >= 0 && timeout.isFinite) { throw ValidationError("--timeout must be a number of seconds ≥ 0") }
        }

        func run() throws {
            let (client, id) = try operationTarget(global: global.settings, operation)
            let op: Operation
            do { op = try client.operations.wait(id, timeout: timeout) } catch { throw Failure(error) }
            printOperation(op, format: format, showSecrets: showSecrets)
            if !op.isFinal { throw ExitCode(124) }
            if !op.succeeded { throw ExitCode(1) }
        }
    }
}

func operationTarget(global: GlobalSettings, _ raw: String) throws -> (LXDClient, String) {
    let (config, environment) = try global.loadConfig()
    var remote = config.defaultRemote
    var id = raw
    if let colon = raw.firstIndex(of: ":") {
        remote = String(raw[..<colon])
        id = String(raw[raw.index(after: colon)...])
        guard config[remote: remote] != nil else { throw Failure("The remote \"\(remote)\" doesn't exist") }
    }
    guard !id.isEmpty, !id.contains("/") else { throw Failure("invalid operation id \"\(raw)\"") }
    return (try global.client(remote: remote, config: config, environment: environment), id)
}

/// `operation show/wait` print one document: YAML or JSON, nothing else.
func validateDocumentFormat(_ format: OutputFormat) throws {
    guard format == .yaml || format == .json else {
        throw ValidationError("Invalid format \"\(format.rawValue)\": expected yaml or json")
    }
}

func printOperation(_ op: Operation, format: OutputFormat, showSecrets: Bool) {
    let value = shown(op, showSecrets)
    if format == .json {
        Output.out(value.serialized(pretty: true) + "\n")
    } else {
        Output.out(YAMLWriter.string(for: value))
    }
}

/// The operation as printed: the daemon's object, with each `metadata.fds` secret
/// replaced by `<redacted>` unless `showSecrets` (a live exec operation's secret lets
/// anyone who can reach the daemon attach to the session).
func shown(_ op: Operation, _ showSecrets: Bool) -> JSONValue {
    guard !showSecrets, case .object(var object) = op.raw, case .object(var metadata)? = object["metadata"],
          case .object(var fds)? = metadata["fds"] else { return op.raw }
    for key in fds.keys where fds[key]?.stringValue != nil {
        _ = fds.updateValue(.string("<redacted>"), forKey: key)
    }
    _ = metadata.updateValue(.object(fds), forKey: "fds")
    _ = object.updateValue(.object(metadata), forKey: "metadata")
    return .object(object)
}

/// "2026-11-29T12:06:21.48Z" → "2026/11/29 12:06 UTC" (lxc's CREATED column).
func lxcDate(_ s: String) -> String {
    let c = Array(s)
    guard c.count >= 16, c[4] == "-", c[7] == "-", c[10] == "T" else { return s }
    return String(c[0..<4]) + "/" + String(c[5..<7]) + "/" + String(c[8..<10]) + " " + String(c[11..<16]) + " UTC"
}

/// lxc's `--format compact`: tablewriter without borders or separators, so every
/// cell is padded with one space each side, the line starts and ends with one more
/// space, and the headers are centred (floor(gap/2) on the left).
func compact(headers: [String], rows: [[String]]) -> String {
    var widths = headers.map(\.count)
    for row in rows { for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) } }
    func line(_ cells: [String], centred: Bool) -> String {
        var s = " "
        for (i, w) in widths.enumerated() {
            let cell = i < cells.count ? cells[i] : ""
            let pad = w - cell.count
            let left = centred ? pad / 2 : 0
            s += " " + String(repeating: " ", count: left) + cell + String(repeating: " ", count: pad - left) + " "
        }
        return s + " \n"
    }
    return line(headers, centred: true) + rows.map { line($0, centred: false) }.joined()
}
