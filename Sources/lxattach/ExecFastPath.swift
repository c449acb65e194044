import LXD

/// `exec NAME [options] -- command…`, the form nearly every exec takes, parsed by hand.
///
/// swift-argument-parser builds its model of a command by reflecting over every declared
/// option (`Mirror`) before it reads one word: ~10 M instructions, more than all the rest
/// of an `exec -- true`, and ~1.3 MiB of peak RSS (its code and type metadata paged in;
/// measured with callgrind and /proc/self/statm). This parser uses none of its types. It
/// knows exactly the options of `SingleExecCommand` and takes only what it can read
/// without doubt: each option once (`--env`, `--env-file` repeatable), `--opt value` or
/// `--opt=value` with a value neither empty nor starting with `-`, one plain instance
/// name, then `--` and a command. Anything else — help, combined short flags, an unknown
/// or repeated option, a bad value, a contradiction, a list or range of instances, no
/// `--` — returns nil, and the caller parses the words with swift-argument-parser as
/// before, which words every error. `ExecFastPathTests` holds the two to the same result.
struct ExecFastPath {
    var global = GlobalSettings()
    var exec = ExecSettings()
    var environment = EnvironmentSettings()
    var instance = ""
    var argv: [String] = []

    /// Runs the exec.
    func run() throws {
        try exec.runOne(global: global, environment: environment, instance: instance, argv: argv)
    }

    /// The exec for `args` (the words after `exec`), or nil to parse them the long way.
    static func parse(_ args: [String]) -> ExecFastPath? {
        guard let dashes = args.firstIndex(of: "--"), dashes + 1 < args.count else { return nil }
        var parsed = ExecFastPath()
        var seen: [String] = []
        var instance: String?
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
            if name != "--env" && name != "--env-file" {
                let key = canonical(name)
                guard !seen.contains(key) else { return nil }
                seen.append(key)
            }
            func value() -> String? {
                if let inline { return inline.isEmpty ? nil : inline }
                guard i < dashes, !args[i].hasPrefix("-") else { return nil }
                i += 1
                return args[i - 1]
            }
            let isFlag = ["--debug", "--incus", "-t", "--force-interactive", "-T", "--force-noninteractive",
                          "-n", "--disable-stdin", "--detach", "--record-input"].contains(name)
            if isFlag && inline != nil { return nil }
            switch name {
            case "--debug": parsed.global.debug = true
            case "--incus": parsed.global.incus = true
            case "-t", "--force-interactive": parsed.exec.forceInteractive = true
            case "-T", "--force-noninteractive": parsed.exec.forceNoninteractive = true
            case "-n", "--disable-stdin": parsed.exec.disableStdin = true
            case "--detach": parsed.exec.detach = true
            case "--record-input": parsed.exec.record.input = true
            case "--record": guard let v = value() else { return nil }; parsed.exec.record.path = v
            case "--project": guard let v = value() else { return nil }; parsed.global.project = v
            case "--cwd": guard let v = value() else { return nil }; parsed.exec.cwd = v
            case "--mode": guard let v = value().flatMap(ExecMode.init(rawValue:)) else { return nil }; parsed.exec.mode = v
            case "--user": guard let v = value().flatMap(UInt32.init) else { return nil }; parsed.exec.user = v
            case "--group": guard let v = value().flatMap(UInt32.init) else { return nil }; parsed.exec.group = v
            case "--timeout": guard let v = value().flatMap(Double.init) else { return nil }; parsed.exec.timeout = v
            case "--env": guard let v = value() else { return nil }; parsed.environment.env.append(v)
            case "--env-file": guard let v = value() else { return nil }; parsed.environment.envFile.append(v)
            default: return nil
            }
        }
        guard let instance, NodeSet.isPlainName(instance) else { return nil }
        parsed.instance = instance
        parsed.argv = Array(args[(dashes + 1)...])
        // What the parser would refuse, or run differently: its way, with its words.
        if parsed.exec.problem != nil || parsed.environment.problem != nil || parsed.argv.first == "--" { return nil }
        return parsed
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
