/// What `lxc …` / `incus …` asks for, read as the client's cobra/pflag reads it: one of
/// the commands lxattach implements (exec, file push, file pull), a usage error in the
/// client's words, or anything else, which goes to the real client. Pure.
enum LXCCommandLine: Equatable {
    /// Hand the arguments, untouched, to the real client.
    case handOver
    /// The client's usage error: its help on stdout when `help` is set (`exec c1` with no
    /// command), then `Error: message` on stderr, status 1.
    case usage(message: String, help: Bool)
    /// `exec` with no arguments at all: the help on stdout, status 0.
    case help
    case exec(LXCExec)
    case file(LXCFileArguments)

    /// The flags every command of the client takes (cobra's persistent flags).
    static let globalSpecs: [PFlags.Spec] = [
        .init(name: "project", short: nil, takesValue: true),
        .init(name: "debug", short: nil, takesValue: false),
        .init(name: "verbose", short: "v", takesValue: false),
        .init(name: "quiet", short: "q", takesValue: false),
        .init(name: "force-local", short: nil, takesValue: false),
        .init(name: "help", short: "h", takesValue: false),
        .init(name: "version", short: nil, takesValue: false),
        .init(name: "sub-commands", short: nil, takesValue: false),
    ]

    static let execSpecs: [PFlags.Spec] = globalSpecs + [
        .init(name: "cwd", short: nil, takesValue: true),
        .init(name: "disable-stdin", short: "n", takesValue: false),
        .init(name: "env", short: nil, takesValue: true),
        .init(name: "force-interactive", short: "t", takesValue: false),
        .init(name: "force-noninteractive", short: "T", takesValue: false),
        .init(name: "group", short: nil, takesValue: true),
        .init(name: "mode", short: nil, takesValue: true),
        .init(name: "user", short: nil, takesValue: true),
    ]

    /// The command line after the program name.
    static func parse(_ args: [String]) -> LXCCommandLine {
        // The verb: the first word that is neither a global flag nor its value.
        var i = 0
        var leading: [String] = []
        while i < args.count, args[i].hasPrefix("-"), args[i] != "--", args[i] != "-" {
            leading.append(args[i])
            if args[i] == "--project", i + 1 < args.count {
                leading.append(args[i + 1])
                i += 1
            }
            i += 1
        }
        guard i < args.count else { return .handOver }
        let rest = leading + Array(args[(i + 1)...])
        switch args[i] {
        case "exec":
            return exec(rest)
        case "file":
            // `file push|pull` with the globals anywhere (`file --quiet push …`).
            var sub = 0
            while sub < rest.count, rest[sub].hasPrefix("-"), rest[sub] != "--", rest[sub] != "-" {
                sub += rest[sub] == "--project" ? 2 : 1
            }
            guard sub < rest.count, rest[sub] == "push" || rest[sub] == "pull" else { return .handOver }
            var words = rest
            let verb = words.remove(at: sub)
            return LXCFileArguments.parse(push: verb == "push", words)
        default:
            return .handOver
        }
    }

    static func exec(_ words: [String]) -> LXCCommandLine {
        let flags: PFlags
        do { flags = try PFlags.parse(words, specs: execSpecs) } catch { return .usage(message: error.message, help: false) }
        if flags.isSet("help") || flags.isSet("version") || flags.isSet("sub-commands") { return .handOver }
        let positional = flags.arguments + (flags.afterDashes ?? [])
        if positional.isEmpty { return .help }
        if positional.count < 2 { return .usage(message: "Invalid number of arguments", help: true) }
        var exec = LXCExec(global: LXCGlobal(flags), instance: positional[0], command: Array(positional[1...]))
        for (name, value) in [("user", flags.value("user")), ("group", flags.value("group"))] {
            guard let value else { continue }
            switch parseUInt32(value) {
            case .success(let n): if name == "user" { exec.user = n } else { exec.group = n }
            case .failure(let why):
                return .usage(message: "invalid argument \"\(value)\" for \"--\(name)\" flag: strconv.ParseUint: parsing \"\(value)\": \(why)", help: false)
            }
        }
        exec.cwd = flags.value("cwd")
        exec.mode = flags.value("mode") ?? "auto"
        exec.forceInteractive = flags.isSet("force-interactive")
        exec.forceNoninteractive = flags.isSet("force-noninteractive")
        exec.disableStdin = flags.isSet("disable-stdin")
        exec.env = flags.values("env")
        if exec.forceInteractive && exec.forceNoninteractive {
            return .usage(message: "You can't pass -t and -T at the same time", help: false)
        }
        if exec.mode != "auto" && (exec.forceInteractive || exec.forceNoninteractive) {
            return .usage(message: "You can't pass -t or -T at the same time as --mode", help: false)
        }
        return .exec(exec)
    }

    /// Go's strconv.ParseUint(s, 0, 32): decimal, 0x hex, 0o/0 octal, 0b binary, `_`
    /// separators after a base prefix; the reason text on failure.
    static func parseUInt32(_ s: String) -> Result<UInt32, ParseFailure> {
        var digits = Substring(s)
        var radix = 10
        let lower = s.lowercased()
        if lower.hasPrefix("0x") { radix = 16; digits = digits.dropFirst(2) }
        else if lower.hasPrefix("0b") { radix = 2; digits = digits.dropFirst(2) }
        else if lower.hasPrefix("0o") { radix = 8; digits = digits.dropFirst(2) }
        else if s.count > 1 && s.hasPrefix("0") { radix = 8; digits = digits.dropFirst() }
        if radix != 10 { digits = digits.filter { $0 != "_" }[...] }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isHexDigit }), let wide = UInt64(digits, radix: radix) else {
            if !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) { return .failure(.range) }
            return .failure(.syntax)
        }
        guard let n = UInt32(exactly: wide) else { return .failure(.range) }
        return .success(n)
    }

    enum ParseFailure: Error, CustomStringConvertible {
        case syntax, range
        var description: String { self == .syntax ? "invalid syntax" : "value out of range" }
    }
}

/// The global flags that matter to a command lxattach runs itself.
struct LXCGlobal: Equatable {
    var project: String?
    var debug = false
    var quiet = false
    var forceLocal = false

    init(project: String? = nil, debug: Bool = false, quiet: Bool = false, forceLocal: Bool = false) {
        self.project = project
        self.debug = debug
        self.quiet = quiet
        self.forceLocal = forceLocal
    }

    init(_ flags: PFlags) {
        project = flags.value("project")
        debug = flags.isSet("debug")
        quiet = flags.isSet("quiet")
        forceLocal = flags.isSet("force-local")
    }
}

/// `exec` as lxc parsed it.
struct LXCExec: Equatable {
    var global: LXCGlobal
    var instance: String
    var command: [String]
    var cwd: String?
    var user: UInt32?
    var group: UInt32?
    /// `--mode`'s value as given: lxc treats anything but interactive/non-interactive as auto.
    var mode = "auto"
    var forceInteractive = false
    var forceNoninteractive = false
    var disableStdin = false
    /// `--env` values as given (`K=V`, or `K`, which lxc sends as `K=""`).
    var env: [String] = []
}
