import Glibc

/// `lxattach file push|pull …`: lxc's grammar (`LXCFileArguments`), lxattach's
/// conventions (our own errors exit 255), plus `--incus`.
enum FileCommandLine {
    static let help = """
        Usage:
          \(Naming.command) file push [flags] SOURCE... [remote:]instance/path
          \(Naming.command) file pull [flags] [remote:]instance/path... TARGET

        Copy files into and out of an instance over the daemon's file API, streamed (no
        file is held in memory). `-` is stdin (push) or stdout (pull). The grammar is \
        \(Naming.client)'s: `local:c1//etc/hosts` and `c1/etc/hosts` are the same path.

        Flags:
          -p, --create-dirs   Create any folders needed (in the instance on push, locally on pull)
          -r, --recursive     Copy folders and what is in them (symlinks as symlinks)
              --uid N         Push: owner (default: the local file's)
              --gid N         Push: group (default: the local file's)
              --mode MODE     Push: permissions, octal (default: the local file's)
          -q, --quiet         No progress line
              --project P     Project to use instead of the remote's
              --incus         Act as the Incus client
              --debug         Write the HTTP exchange to stderr

        Refused: a symlink that would point outside what a pull writes; a recursive push \
        to a path with `..` components.

        """

    /// The words after `file`; never returns.
    static func run(_ words: [String]) -> Never {
        guard let verb = words.first, verb == "push" || verb == "pull" else {
            if words.isEmpty || ["-h", "--help", "help"].contains(words[0]) {
                Output.out(help)
                exit(0)
            }
            Output.error("unknown file command \"\(words[0])\": push or pull (see '\(Naming.command) file --help')")
            exit(255)
        }
        switch LXCFileArguments.parse(push: verb == "push", Array(words.dropFirst()), incusFlag: true) {
        case .file(let arguments):
            do {
                if arguments.push { try FilePush(arguments: arguments, persona: nil).run() }
                else { try FilePull(arguments: arguments, persona: nil).run() }
                exit(0)
            } catch let failure as Failure {
                Output.error(failure.message)
                exit(failure.status)
            } catch {
                Output.error("\(error)")
                exit(255)
            }
        case .usage(let message, _):
            Output.error(message + " (see '\(Naming.command) file --help')")
            exit(255)
        default:
            Output.out(help)
            exit(0)
        }
    }
}
