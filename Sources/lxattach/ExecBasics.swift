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

    func validate() throws {
        if forceInteractive && forceNoninteractive {
            throw ValidationError("You can't pass -t and -T at the same time")
        }
        if (forceInteractive || forceNoninteractive) && mode != .auto {
            throw ValidationError("You can't pass -t or -T at the same time as --mode")
        }
        if detach && (forceInteractive || mode == .interactive) {
            throw ValidationError("--detach runs the command without a terminal: drop -t / --mode interactive")
        }
    }

    /// Interactive or not: forced, disabled (`-n`), or a terminal on both ends (auto).
    var interactive: Bool {
        if disableStdin || forceNoninteractive { return false }
        if forceInteractive { return true }
        switch mode {
        case .interactive: return true
        case .nonInteractive: return false
        case .auto: return isatty(0) == 1 && isatty(1) == 1
        }
    }

    /// The exec on one instance (detached or attached).
    func runOne(global: GlobalOptions, environment options: EnvironmentOptions, instance: String, argv: [String]) throws {
        var environment: [(String, String)] = []
        if let term = getenv("TERM") { environment.append(("TERM", String(cString: term))) }
        environment += try options.resolved()
        let request = ExecRequest(command: argv, environment: environment, interactive: interactive,
                                  user: user, group: group, cwd: cwd)
        if detach {
            try runDetachedExec(global: global, instance: instance, request: request)
            return
        }
        try runExec(global: global, instance: instance, request: request, disableStdin: disableStdin, timeout: timeout)
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
        try basics.runOne(global: global, environment: envOptions, instance: instance, argv: argv)
    }
}
