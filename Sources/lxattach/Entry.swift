import ArgumentParser
import Glibc
import Transport

/// `lxattach`: run commands in LXD / Incus instances.
///
/// Exit statuses: the remote command's own status for `exec`/`shell`; 255 for our own
/// failures (bad usage, unreachable daemon, unknown instance, protocol errors), like ssh,
/// so scripts can tell the two apart.
@main
struct LXAttach: ParsableCommand {
    static let version = "0.1.0"

    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: Naming.command,
            abstract: "Run commands inside LXD and Incus instances, attached to your terminal or your scripts.",
            discussion: """
                Reads \(Naming.client)'s configuration (\(Naming.configFolder)): remotes, client \
                certificate, pinned server certificates. Our own failures exit 255; `exec` \
                otherwise exits with the remote command's status.
                """,
            version: version,
            subcommands: [ExecCommand.self, ShellCommand.self, ConsoleCommand.self, FileCommand.self, OperationCommand.self,
                          RemoteCommand.self, InfoCommand.self]
        )
    }

    static func main() {
        Output.started = monotonicNanoseconds()
        // A closed pipe must be an error return from write(2), never a silent death
        // halfway through cleanup; `exec` re-raises SIGPIPE itself when appropriate.
        signal(SIGPIPE, SIG_IGN)
        // Started with fd 0, 1 or 2 closed (`exec 0<&-`), the first socket we open would
        // take that number and be read as stdin / written as stdout: give them /dev/null.
        for fd: Int32 in 0...2 where fcntl(fd, F_GETFD) == -1 && errno == EBADF {
            let null = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY)
            if null >= 0, null != fd { dup2(null, fd); close(null) }
        }
        if let persona = ClientPersona.current { AsLXCMain.run(persona, arguments: CommandLine.arguments) }
        if CommandLine.arguments.dropFirst().first == "file" { FileCommandLine.run(Array(CommandLine.arguments.dropFirst(2))) }
        let arguments = hoistGlobalOptions(Array(CommandLine.arguments.dropFirst()))
        let options = arguments.prefix { $0 != "--" }
        if arguments.first == "exec", !options.contains(where: { ["-h", "--help", "--version"].contains($0) }) {
            // The hot path: `exec NAME [options] -- cmd` read by hand (ExecFastPath: no
            // swift-argument-parser type built at all); else `exec` parsed on its own,
            // without the whole command tree. Help goes the long way, so its usage line
            // says `lxattach exec`.
            let rest = Array(arguments.dropFirst())
            if let fast = ExecFastPath.parse(rest) {
                do {
                    try fast.run()
                    Glibc.exit(0)
                } catch {
                    fail(error, as: ExecCommand.self, usage: "\(Naming.command) exec --help")
                }
            }
            if let single = try? SingleExecCommand.parseAsRoot(rest) {
                execute(single, as: ExecCommand.self, usage: "\(Naming.command) exec --help")
            }
            run(ExecCommand.self, rest, usage: "\(Naming.command) exec --help")
        }
        run(LXAttach.self, arguments, usage: ([Naming.command] + commandPath(arguments) + ["--help"]).joined(separator: " "))
    }

    /// Parses `arguments` as `Command` (and its subcommands), runs it, and exits: 0, the
    /// command's `ExitCode`, or 255 with one `Error:` line.
    static func run<Command: ParsableCommand>(_: Command.Type, _ arguments: [String], usage: String) -> Never {
        let command: ParsableCommand
        do {
            command = try Command.parseAsRoot(arguments)
        } catch {
            fail(error, as: Command.self, usage: usage)
        }
        execute(command, as: Command.self, usage: usage)
    }

    /// Runs a parsed command and exits as `run` says.
    static func execute<Command: ParsableCommand>(_ parsed: ParsableCommand, as _: Command.Type, usage: String) -> Never {
        do {
            var command = parsed
            try command.run()
            Glibc.exit(0)
        } catch {
            fail(error, as: Command.self, usage: usage)
        }
    }

    /// Exits for `error`: the command's status, 255 with one `Error:` line, or help.
    static func fail<Command: ParsableCommand>(_ error: Error, as _: Command.Type, usage: String) -> Never {
        do {
            throw error
        } catch let exit as ExitCode {
            Glibc.exit(exit.rawValue)
        } catch let failure as Failure {
            Output.error(failure.message)
            Glibc.exit(failure.status)
        } catch {
            if Command.exitCode(for: error) == .success {
                // --help, --version
                Output.out(Command.fullMessage(for: error) + "\n")
                Glibc.exit(0)
            }
            // Usage errors: one line, then where to look.
            let message = Command.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid arguments"
            Output.error(message + " (see '\(usage)')")
            Glibc.exit(255)
        }
    }

    /// The subcommands: each leaf's name under its parent (empty: no children).
    static let leaves: [String: Set<String>] = [
        "exec": [], "shell": [], "console": [], "info": [], "file": ["push", "pull"],
        "operation": ["list", "ls", "show", "delete", "rm", "wait", "output", "watch"], "remote": ["list", "ls"],
    ]

    /// The subcommand words that start `args` (`["operation", "show"]`), for the help a
    /// usage error points to; empty when the first word is no command.
    static func commandPath(_ args: [String]) -> [String] {
        guard let first = args.first, let children = leaves[first] else { return [] }
        if args.count > 1, children.contains(args[1]) { return [first, args[1]] }
        return [first]
    }

    /// lxc also takes its global flags before the verb (`lxc --debug exec c1 -- true`), but
    /// GlobalOptions lives on each subcommand: move leading global options after the
    /// command path (`exec`, `operation list`, …). Anything else is left to the parser.
    static func hoistGlobalOptions(_ args: [String]) -> [String] {
        var leading: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--debug" || a == "--incus" || a.hasPrefix("--project=") {
                leading.append(a)
                i += 1
            } else if a == "--project", i + 1 < args.count {
                leading += [a, args[i + 1]]
                i += 2
            } else {
                break
            }
        }
        guard !leading.isEmpty, i < args.count else { return args }
        guard let children = leaves[args[i]] else { return args }
        var end = i + 1
        if !children.isEmpty {
            guard end < args.count, children.contains(args[end]) else { return args }
            end += 1
        }
        return Array(args[i..<end]) + leading + Array(args[end...])
    }
}
