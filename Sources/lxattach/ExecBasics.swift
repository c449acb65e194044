import ArgumentParser
import Glibc
import LXD

/// The options of one exec, shared by `exec` and its hot path (`SingleExecCommand`).
struct ExecBasics: ParsableArguments {
    @Option(name: .long, help: "Terminal mode: auto, interactive or non-interactive.")
    var mode: ExecMode = .auto

    @Flag(name: [.customShort("t"), .customLong("force-interactive")], help: "Force pseudo-terminal allocation.")
    var forceInteractive = false

    @Flag(name: [.customShort("T"), .customLong("force-noninteractive")], help: "Disable pseudo-terminal allocation.")
    var forceNoninteractive = false

    @Flag(name: [.customShort("n"), .customLong("disable-stdin")], help: "Do not read stdin (like ssh -n).")
    var disableStdin = false

    @Flag(name: .long, help: "Start the command with its output recorded by the daemon, print the operation id and return at once (see `operation output`).")
    var detach = false

    @Option(name: .long, help: "Directory to run the command in.")
    var cwd: String?

    @Option(name: .long, help: "User ID to run the command as.")
    var user: UInt32?

    @Option(name: .long, help: "Group ID to run the command as.")
    var group: UInt32?

    @Option(name: .long, help: ArgumentHelp("SIGTERM after S seconds, the command ended a grace later; status 124.", valueName: "S"))
    var timeout: Double?

    @OptionGroup var recording: RecordOptions

    /// The parsed values.
    var settings: ExecSettings {
        ExecSettings(mode: mode, forceInteractive: forceInteractive, forceNoninteractive: forceNoninteractive,
                     disableStdin: disableStdin, detach: detach, cwd: cwd, user: user, group: group, timeout: timeout,
                     record: recording.settings)
    }

    func validate() throws {
        if let problem = settings.problem { throw ValidationError(problem) }
    }
}

/// `exec` on one plain instance name: the common case, parsed without the options that
/// only mean something for many instances (argument parsing reflects over every declared
/// option: ~1 ms of every exec's start-up, measured with callgrind). Anything else — a
/// list, a range, a glob, a fan-out option, a usage error — is parsed again as
/// `ExecCommand`, which knows all of it and words the errors.
struct SingleExecCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(commandName: "exec") }

    @OptionGroup var global: GlobalOptions

    @OptionGroup var basics: ExecBasics

    @OptionGroup var envOptions: EnvironmentOptions

    @Argument var instance: String

    @Argument var command: [String] = []

    var argv: [String] { command.first == "--" ? Array(command.dropFirst()) : command }

    func validate() throws {
        if argv.isEmpty || !NodeSet.isPlainName(instance) { throw ValidationError("not a single exec") }
    }

    func run() throws {
        try basics.settings.runOne(global: global.settings, environment: envOptions.settings, instance: instance, argv: argv)
    }
}
