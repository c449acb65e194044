import ArgumentParser
import Glibc
import JSON
import LXD

/// Set by SIGINT/SIGTERM/SIGHUP during `operation watch`: end cleanly.
nonisolated(unsafe) private var watchStopSignal: Int32 = 0

extension OperationCommand {
    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "watch",
            abstract: "Follow operations as they happen (/1.0/events?type=operation).",
            discussion: """
                One row per operation event on a terminal (--format table), one JSON event per \
                line in a pipe (--format jsonl). Ends with status 0 on Ctrl-C (SIGINT), SIGTERM \
                or SIGHUP, with 255 and one Error: line when the daemon goes away. The \
                websocket secrets of exec operations are shown as <redacted> unless \
                --show-secrets is given (anyone holding them can attach to the command).
                """
        )
        enum Format: String, ExpressibleByArgument, CaseIterable { case table, jsonl }

        @OptionGroup var global: GlobalOptions
        @Option(name: [.short, .long], help: "Output format: table or jsonl (default: table on a terminal, else jsonl).")
        var format: Format?
        @Flag(name: .long, help: "Follow every project's operations.")
        var allProjects = false
        @Flag(name: .long, help: "Print exec websocket secrets as the daemon sent them.")
        var showSecrets = false
        @Argument(help: "[remote:]")
        var remote: String?

        func run() throws {
            let client = try global.settings.client(forRemote: remote)
            let events: EventStream
            do { events = try client.events(types: ["operation"], allProjects: allProjects) } catch { throw Failure(error) }
            // LXATTACH_KEEPALIVE applies here as in exec: probe a silent daemon, then give up.
            let keepalive = GlobalSettings.sessionConfiguration
            events.probeAfter = keepalive.probeAfter
            events.probeTimeout = keepalive.probeTimeout
            let table = (format ?? (isatty(1) == 1 ? .table : .jsonl)) == .table
            var handler = sigaction()
            handler.__sigaction_handler.sa_handler = { watchStopSignal = $0 }
            for sig in [SIGINT, SIGTERM, SIGHUP] { sigaction(sig, &handler, nil) }
            if table { Output.out(WatchTable.header()) }
            while watchStopSignal == 0 {
                let batch: [JSONValue]
                do { batch = try events.poll(timeoutMilliseconds: 500) } catch {
                    throw Failure("\(error)")
                }
                for event in batch where watchStopSignal == 0 {
                    let shown = showSecrets ? event : EventRedaction.redact(event)
                    let line = table ? WatchTable.row(shown) : shown.serialized() + "\n"
                    switch writeAll(1, Array(line.utf8)) {
                    case .written: break
                    case .readerGone, .abandoned: events.close(); return  // the reader is gone: done
                    case .failed(let e): throw Failure("cannot write: \(String(cString: strerror(e)))")
                    }
                }
            }
            events.close()
            // The shell prints its prompt on the line where ^C was echoed.
            if table && isatty(1) == 1 { Output.out("\n") }
        }
    }
}

/// The terminal view of `operation watch`: fixed columns, one row per event; the
/// description (with the operation's error, if any) last and never cut.
enum WatchTable {
    static let widths = [12, 36, 9, 9, 6]

    static func header() -> String {
        line(["TIME", "ID", "CLASS", "STATUS", "RETURN", "DESCRIPTION"])
    }

    static func row(_ event: JSONValue) -> String {
        let op = event["metadata"] ?? .null
        let time = event["timestamp"]?.stringValue ?? ""
        let clock = time.count >= 23 ? String(Array(time)[11..<23]) : time
        let ret = op["metadata"]?["return"]?.intValue.map(String.init) ?? ""
        var description = op["description"]?.stringValue ?? ""
        if let project = event["project"]?.stringValue, !project.isEmpty, project != "default" {
            description = "[\(project)] " + description
        }
        if let err = op["err"]?.stringValue, !err.isEmpty { description += ": " + err }
        return line([clock, op["id"]?.stringValue ?? "", op["class"]?.stringValue ?? "",
                     op["status"]?.stringValue ?? "", ret, description])
    }

    /// Control characters become spaces: nothing from the daemon moves our cursor.
    static func line(_ cells: [String]) -> String {
        var s = ""
        for (i, cell) in cells.enumerated() {
            let clean = String(cell.map { $0.isASCII && ($0.asciiValue! < 32 || $0.asciiValue! == 127) ? " " : $0 })
            if i == cells.count - 1 || i >= widths.count {
                s += clean
            } else {
                let w = widths[i]
                let cut = clean.count > w ? String(clean.prefix(w - 1)) + "…" : clean
                s += cut + String(repeating: " ", count: w - cut.count + 2)
            }
        }
        while s.last == " " { s.removeLast() }
        return s + "\n"
    }
}
