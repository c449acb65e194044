import ArgumentParser
import Glibc
import HTTP
import LXD

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Write the HTTP exchange to stderr (secrets redacted).")
    var debug = false

    @Option(name: .long, help: "Project to use instead of the remote's.")
    var project: String?

    @Flag(name: .long, help: "Act as the Incus client (config in $INCUS_CONF or ~/.config/incus).")
    var incus = false

    /// Loads lxc's configuration.
    func loadConfig() throws -> (LXCConfig, ClientEnvironment) {
        do {
            let flavor = try ClientFlavor.select(explicit: incus ? .incus : nil,
                                                 environment: ClientEnvironment.currentVariables(),
                                                 executableName: CommandLine.arguments.first)
            let environment = ClientEnvironment.current(flavor: flavor)
            let loaded = try ConfigLoader(environment: environment).load()
            return (loaded.config, environment)
        } catch {
            throw Failure(error)
        }
    }

    /// A client for `remote`.
    func client(remote: String, config: LXCConfig, environment: ClientEnvironment) throws -> LXDClient {
        do {
            let resolved = try config.resolve(remote: remote, in: environment)
            let client = LXDClient(remote: resolved, project: project)
            if debug {
                client.trace = { line in Output.err(redactSecrets(line).hasSuffix("\n") ? redactSecrets(line) : redactSecrets(line) + "\n") }
            }
            return client
        } catch {
            throw Failure(error)
        }
    }
}
