import ArgumentParser
import LXD

/// When `exec` runs on many instances, and its options for that.
extension ExecCommand {
    /// A list, range or glob, `--all`, `--location`, or an option that only means
    /// something for many instances. A single plain name without them is the plain exec.
    var isFanOut: Bool {
        all || location != nil || !NodeSet.isPlainName(instance) || gather || format != .text
            || outdir != nil || shareStdin
    }

    var fanOutOptions: FanOutOptions {
        var options = FanOutOptions()
        options.pattern = all ? (instance.hasSuffix(":") ? instance : nil) : instance
        options.all = all
        options.location = location
        options.parallel = parallel
        options.timeout = timeout
        options.shareStdin = shareStdin
        if gather {
            options.mode = .gather
        } else if format == .jsonl {
            options.mode = .jsonLines
        } else if let outdir {
            options.mode = .outdir(outdir)
        }
        return options
    }

    func validateFanOut() throws {
        if let timeout, !(timeout > 0 && timeout.isFinite) {
            throw ValidationError("--timeout takes a number of seconds greater than 0")
        }
        guard parallel >= 1 && parallel <= 100_000 else {
            throw ValidationError("--parallel takes a number of sessions from 1 to 100000")
        }
        if [gather, format != .text, outdir != nil].filter({ $0 }).count > 1 {
            throw ValidationError("--gather, --format jsonl and --outdir are different outputs: choose one")
        }
        if location?.isEmpty == true { throw ValidationError("--location takes a cluster member's name") }
        if outdir?.isEmpty == true { throw ValidationError("--outdir takes a directory") }
        if all && !instance.hasSuffix(":"), Self.namesInstanceBeforeCommand(instance, in: Array(CommandLine.arguments.dropFirst())) {
            // `exec --all web1 -- cmd`: the parser cannot tell this from `exec --all -- web1 cmd`.
            throw ValidationError("--all selects the instances itself: give no name, or a remote written \"\(instance):\"")
        }
        guard isFanOut else { return }
        if basics.recording.record != nil {
            throw ValidationError("--record records one session into one file: it cannot record many instances")
        }
        if forceInteractive || mode == .interactive {
            throw ValidationError("a command on many instances cannot be interactive (one terminal, many instances): drop -t / --mode interactive")
        }
        if shareStdin && disableStdin { throw ValidationError("You can't pass --stdin and -n at the same time") }
    }
}

extension ExecCommand {
    /// Options of `exec` (and the global ones) that take a value as the next word.
    static let optionsWithValue: Set<String> = [
        "--mode", "--env", "--cwd", "--user", "--group", "--location", "--parallel", "--timeout",
        "--format", "--outdir", "--project", "--record",
    ]

    /// Whether `word` stands before `--` in `arguments` as a positional word (not as an
    /// option's value): then it was written as an instance, not as the command.
    static func namesInstanceBeforeCommand(_ word: String, in arguments: [String]) -> Bool {
        guard arguments.contains("--") else { return false }
        var i = 0
        while i < arguments.count, arguments[i] != "--" {
            let a = arguments[i]
            if optionsWithValue.contains(a) {
                i += 2
                continue
            }
            if a == word { return true }
            i += 1
        }
        return false
    }
}

extension FanOutFormat: ExpressibleByArgument {}
