import ArgumentParser
import LXD

/// `exec NAME [options] -- command…`, the form nearly every exec takes, parsed by hand.
///
/// swift-argument-parser builds its model of a command by reflecting over every declared
/// option (`Mirror`) before it reads one word: ~2 M instructions, a sixth of a whole
/// `exec -- true` (callgrind). This parser knows exactly the options of `SingleExecCommand`
/// and takes only what it can read without doubt: each option once (`--env`, `--env-file`
/// repeatable), `--opt value` or `--opt=value`, a value neither empty nor starting with `-`, one plain
/// instance name, then `--` and a command. Anything else — help, combined short flags, an
/// unknown or repeated option, a bad value, a list or range of instances, no `--` — returns
/// nil, and the caller parses the words with swift-argument-parser as before, which words
/// every error. `CLITests.testExecFastPathAgreesWithTheParser` holds the two to the same
/// result.
enum ExecFastPath {
    /// The command for `args` (the words after `exec`), or nil to parse them the long way.
    static func parse(_ args: [String]) -> SingleExecCommand? {
        guard let dashes = args.firstIndex(of: "--"), dashes + 1 < args.count else { return nil }
        var global = GlobalOptions()
        var basics = ExecBasics()
        var env = EnvironmentOptions()
        var seen: Set<String> = []
        var instance: String?
        var flags = (debug: false, incus: false, t: false, T: false, n: false, detach: false)
        var values: (mode: ExecMode, cwd: String?, user: UInt32?, group: UInt32?, timeout: Double?, project: String?) =
            (.auto, nil, nil, nil, nil, nil)
        var envs: [String] = []
        var envFiles: [String] = []

        var i = 0
        while i < dashes {
            let word = args[i]
            i += 1
            guard word.hasPrefix("-") else {
                guard instance == nil else { return nil }
                instance = word
                continue
            }
            // `--name=value` or `--name value`.
            var name = word
            var inline: String?
            if word.hasPrefix("--"), let eq = word.firstIndex(of: "=") {
                name = String(word[..<eq])
                inline = String(word[word.index(after: eq)...])
            }
            let repeatable = name == "--env" || name == "--env-file"
            guard repeatable || seen.insert(canonical(name)).inserted else { return nil }
            func value() -> String? {
                if let inline { return inline.isEmpty ? nil : inline }
                guard i < dashes, !args[i].hasPrefix("-") else { return nil }
                i += 1
                return args[i - 1]
            }
            switch name {
            case "--debug" where inline == nil: flags.debug = true
            case "--incus" where inline == nil: flags.incus = true
            case "-t", "--force-interactive": guard inline == nil else { return nil }; flags.t = true
            case "-T", "--force-noninteractive": guard inline == nil else { return nil }; flags.T = true
            case "-n", "--disable-stdin": guard inline == nil else { return nil }; flags.n = true
            case "--detach" where inline == nil: flags.detach = true
            case "--project": guard let v = value() else { return nil }; values.project = v
            case "--cwd": guard let v = value() else { return nil }; values.cwd = v
            case "--mode": guard let v = value().flatMap(ExecMode.init(argument:)) else { return nil }; values.mode = v
            case "--user": guard let v = value().flatMap(UInt32.init) else { return nil }; values.user = v
            case "--group": guard let v = value().flatMap(UInt32.init) else { return nil }; values.group = v
            case "--timeout": guard let v = value().flatMap(Double.init) else { return nil }; values.timeout = v
            case "--env": guard let v = value() else { return nil }; envs.append(v)
            case "--env-file": guard let v = value() else { return nil }; envFiles.append(v)
            default: return nil
            }
        }
        guard let instance, NodeSet.isPlainName(instance) else { return nil }

        global.debug = flags.debug
        global.incus = flags.incus
        global.project = values.project
        basics.mode = values.mode
        basics.forceInteractive = flags.t
        basics.forceNoninteractive = flags.T
        basics.disableStdin = flags.n
        basics.detach = flags.detach
        basics.cwd = values.cwd
        basics.user = values.user
        basics.group = values.group
        basics.timeout = values.timeout
        env.env = envs
        env.envFile = envFiles
        var command = SingleExecCommand()
        command.global = global
        command.basics = basics
        command.envOptions = env
        command.instance = instance
        command.command = Array(args[(dashes + 1)...])
        do {
            try basics.validate()
            try env.validate()
            try command.validate()
        } catch {
            return nil
        }
        return command
    }

    /// One name for an option's long and short spellings (each may be given once).
    private static func canonical(_ name: String) -> String {
        switch name {
        case "-t": return "--force-interactive"
        case "-T": return "--force-noninteractive"
        case "-n": return "--disable-stdin"
        default: return name
        }
    }
}
