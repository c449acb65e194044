import ArgumentParser
import Glibc
import LXD
import Terminal
import Transport

/// `lxattach exec [remote:]instance [flags] [--] command…`, with lxc's flags.
struct ExecCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "exec",
        abstract: "Run a command in an instance.",
        discussion: """
            Exit status: the command's own; 126/127 when it is not executable / not found; \
            128+N when killed by signal N; 255 when \(Naming.command) itself fails.

            Signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, ...) are forwarded to the \
            command. If it is still running 3 s after SIGTERM or SIGHUP (or on a second one), \
            we end the session: the daemon kills the command's top process (its children may \
            survive, an LXD limitation). When our stdout is closed (`| head`), the command is \
            ended the same way and \(Naming.command) dies of SIGPIPE like any pipeline member.
            """
    ) }

    @OptionGroup var global: GlobalOptions

    @OptionGroup var basics: ExecBasics

    @OptionGroup var envOptions: EnvironmentOptions

    @Flag(name: .long, help: "Many instances: every running instance of the remote and project.")
    var all = false

    @Option(name: .long, help: ArgumentHelp("Many instances: only those on this cluster member.", valueName: "MEMBER"))
    var location: String?

    @Option(name: .long, help: "Many instances: sessions at once.")
    var parallel = 32

    @Flag(name: .long, help: "Many instances: identical results grouped at the end (clush -b).")
    var gather = false

    @Option(name: .long, help: "Many instances: text (name: line) or jsonl (one JSON object per line).")
    var format: FanOutFormat = .text

    @Option(name: .long, help: ArgumentHelp("Many instances: DIR/<instance>.stdout, .stderr and .status.", valueName: "DIR"))
    var outdir: String?

    @Flag(name: .customLong("stdin"), help: "Many instances: send our stdin to every one (default: none).")
    var shareStdin = false

    @Argument(help: "[remote:]instance, or many: web1,db1  web[1-5,8]  prod:web[01-10]  'web-*'  (--all [remote:])")
    var instance: String

    /// Options may come before or after the instance (`exec c1 --env A=b -- cmd`), as
    /// with lxc; everything after `--` is the command, verbatim.
    @Argument(help: "The command and its arguments (after --).")
    var command: [String] = []

    func validate() throws {
        if argv.isEmpty { throw ValidationError("Missing command to run after --") }
        try validateFanOut()
    }

    var argv: [String] {
        let words = command.first == "--" ? Array(command.dropFirst()) : command
        // `exec --all -- uptime`: the parser took the command's first word for the instance.
        return all && !instance.hasSuffix(":") ? [instance] + words : words
    }

    func run() throws {
        if isFanOut {
            let request = ExecRequest(command: argv, environment: try envOptions.settings.execEnvironment(),
                                      interactive: false, user: user, group: group, cwd: cwd)
            return try runFanOut(global: global.settings, options: fanOutOptions, request: request)
        }
        try basics.settings.runOne(global: global.settings, environment: envOptions.settings, instance: instance, argv: argv)
    }
}

/// The options of `exec` for ExecCommand's code that predates the group.
extension ExecCommand {
    var mode: ExecMode { basics.mode }
    var forceInteractive: Bool { basics.forceInteractive }
    var forceNoninteractive: Bool { basics.forceNoninteractive }
    var detach: Bool { basics.detach }
    var disableStdin: Bool { basics.disableStdin }
    var cwd: String? { basics.cwd }
    var user: UInt32? { basics.user }
    var group: UInt32? { basics.group }
    var timeout: Double? { basics.timeout }
}

enum ExecMode: String, ExpressibleByArgument, CaseIterable {
    case auto
    case interactive
    case nonInteractive = "non-interactive"
}

/// `lxattach shell [remote:]instance`: a root login shell, like `lxc shell`.
struct ShellCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "shell", abstract: "Open a login shell as root in an instance (like `\(Naming.client) shell`).")
    }

    @OptionGroup var global: GlobalOptions

    @OptionGroup var envOptions: EnvironmentOptions

    @OptionGroup var recording: RecordOptions

    @Argument(help: "[remote:]instance")
    var instance: String

    func validate() throws {
        if let problem = recording.settings.problem { throw ValidationError(problem) }
    }

    func run() throws {
        let entries = try envOptions.settings.resolved()
        let environment = EnvironmentSettings.localTerm + entries
        let interactive = isatty(0) == 1 && isatty(1) == 1
        let request = ExecRequest(command: Self.loginCommand(carrying: entries), environment: environment,
                                  interactive: interactive)
        var record = recording.settings
        record.titleCommand = ["su", "-l"]
        try runExec(global: global.settings, instance: instance, request: request, disableStdin: false, record: record)
    }
}

/// The walk of one exec: config → client → POST + attach → bridge → exit status.
func runExec(global: GlobalSettings, instance raw: String, request: ExecRequest, disableStdin: Bool,
             timeout: Double? = nil, record: RecordSettings = RecordSettings()) throws {
    let (client, reference, router) = try global.routedClient(forInstance: raw)
    let instance = reference.instance
    // What was learned of the cluster is kept for the next exec, however this one ends.
    defer { router.finish() }

    var request = request
    let size = WindowSize.of(fileDescriptor: 1) ?? WindowSize.of(fileDescriptor: 0)
    if request.interactive, let size {
        request.width = size.columns
        request.height = size.rows
    }
    // Before the command starts: an existing FILE is refused with nothing run.
    let recordingFile = try record.open(remote: reference.remote, instance: instance, command: request.command, size: size,
                                       interactive: request.interactive)
    let session: ExecSession
    do {
        session = try client.exec(instance: instance, request, router: router)
    } catch {
        discardRecording(recordingFile)
        throw Failure(error)
    }
    let terminal = ExecTerminal(interactive: request.interactive, stdin: 0, sizeSource: isatty(1) == 1 ? 1 : 0)
    let recorder = recordingFile.map { record.recorder($0, hooks: terminal) }
    // Every way out ends the recording whole (the file is flushed, its writer stopped).
    defer { recorder?.finish() }
    let result: ExecResult
    var configuration = GlobalSettings.sessionConfiguration
    configuration.timeout = timeout
    let started = monotonicNanoseconds()
    do {
        var io = ExecIO(stdin: disableStdin ? nil : 0, stdout: 1, stderr: 2)
        if let recorder { io = recorder.watching(io, recordsInput: record.input) }
        result = try session.run(io, hooks: recorder ?? terminal, configuration: configuration)
    } catch {
        terminal.restore()
        // A session's screen ends wherever the remote program left the cursor.
        if request.interactive && isatty(2) == 1 { Output.err("\r\n") }
        let timedOut = FanOutOutcome(.failure(error), timeout: timeout, elapsed: Double(monotonicNanoseconds() &- started) / 1e9)
        if timedOut.kind == .timedOut { throw Failure(timedOut.message ?? "timed out", status: 124) }
        throw Failure(error)
    }
    terminal.restore()

    if result.localOutputClosed {
        recorder?.finish()
        // Die like a pipeline member whose reader went away: no message, status 141.
        signal(SIGPIPE, SIG_DFL)
        raise(SIGPIPE)
    }
    if result.timedOut, let timeout {
        // timeout(1)'s status; one line says so, and whether the command had to be ended.
        if request.interactive && isatty(2) == 1 { Output.err("\r\n") }
        Output.error(FanOutOutcome(.success(result), timeout: timeout, elapsed: timeout).message ?? "timed out")
        throw ExitCode(124)
    }
    guard let status = result.exitStatus else {
        throw Failure("the exit status was lost")
    }
    if let reason = result.killedReason {
        if request.interactive && isatty(2) == 1 { Output.err("\r\n") }
        Output.error("ended the command: \(reason)")
    } else if let op = result.operation, !op.err.isEmpty, status == 126 || status == 127 {
        // lxc's messages for a command that could not be run.
        Output.error(status == 127 ? "Command not found" : "Command not executable")
    }
    throw ExitCode(Int32(truncatingIfNeeded: status))
}
