import ArgumentParser
import LXD

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Write the HTTP exchange to stderr (secrets redacted).")
    var debug = false

    @Option(name: .long, help: "Project to use instead of the remote's.")
    var project: String?

    @Flag(name: .long, help: "Act as the Incus client (config in $INCUS_CONF or ~/.config/incus).")
    var incus = false

    /// The parsed values.
    var settings: GlobalSettings { GlobalSettings(debug: debug, project: project, incus: incus) }

    func loadConfig() throws -> (LXCConfig, ClientEnvironment) { try settings.loadConfig() }

    func client(forInstance written: String) throws -> (client: LXDClient, instance: String) {
        try settings.client(forInstance: written)
    }

    func client(forRemote written: String?) throws -> LXDClient { try settings.client(forRemote: written) }

    func client(remote: String, config: LXCConfig, environment: ClientEnvironment) throws -> LXDClient {
        try settings.client(remote: remote, config: config, environment: environment)
    }

    static var sessionConfiguration: ExecSessionMachine.Configuration { GlobalSettings.sessionConfiguration }
}
