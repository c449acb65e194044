import ArgumentParser
import LXD

/// `lxattach remote list`: the remotes from lxc's config, like `lxc remote list`.
struct RemoteCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "remote", abstract: "Show the remotes from \(Naming.client)'s configuration.", subcommands: [List.self])
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List remotes.", aliases: ["ls"])
        @OptionGroup var global: GlobalOptions
        @Option(name: [.short, .long], help: "Output format: table, csv or compact.")
        var format: OutputFormat = .table

        func run() throws {
            let (config, _) = try global.settings.loadConfig()
            let statics: Set<String> = ["local", "ubuntu", "ubuntu-daily"]
            let rows = config.remotes.map { r -> [String] in
                let name = r.name == config.defaultRemote ? "\(r.name) (current)" : r.name
                let auth = r.addr.hasPrefix("unix:") ? "file access" : (r.authType ?? (r.protocol == .simplestreams ? "none" : "tls"))
                return [name, r.addr, r.protocol.rawValue, auth, r.isPublic ? "YES" : "NO",
                        statics.contains(r.name) ? "YES" : "NO", "NO"]
            }
            let headers = ["NAME", "URL", "PROTOCOL", "AUTH TYPE", "PUBLIC", "STATIC", "GLOBAL"]
            Output.out(Table.text(format, headers: headers, rows: rows))
        }
    }
}

/// `lxattach info [remote:]`: one line about the server (`GET /1.0`).
struct InfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "info", abstract: "One line about a remote's server (GET /1.0).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "[remote:]")
    var remote: String?

    func run() throws {
        let (config, environment) = try global.settings.loadConfig()
        let name: String
        do { name = try config.parseRemoteReference(remote ?? "") } catch { throw Failure(error) }
        let client = try global.settings.client(remote: name, config: config, environment: environment)
        do {
            let s = try client.server()
            let env = s["environment"]
            Output.out("\(name): \(env?["server"]?.stringValue ?? "lxd") \(env?["server_version"]?.stringValue ?? "?") (API \(s["api_version"]?.stringValue ?? "?"), auth: \(s["auth"]?.stringValue ?? "?"))\n")
        } catch { throw Failure(error) }
    }
}
