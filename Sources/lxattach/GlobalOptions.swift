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

    /// The parsed values: loading the configuration and making clients live there.
    var settings: GlobalSettings { GlobalSettings(debug: debug, project: project, incus: incus) }
}
