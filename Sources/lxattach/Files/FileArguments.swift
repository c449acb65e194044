/// `file push SOURCE… [remote:]instance/path` and `file pull [remote:]instance/path… TARGET`
/// as lxc's pflag reads them (both modes of lxattach use this grammar). Pure.
struct LXCFileArguments: Equatable {
    var push: Bool
    var global: LXCGlobal
    /// `--incus` (lxattach mode only).
    var incus = false
    var sources: [String]
    var target: String
    var recursive = false
    var createDirs = false
    /// `--uid`/`--gid` (lxc's -1, unset: nil).
    var uid: Int64?
    var gid: Int64?
    /// `--mode` as given (octal digits; checked when the push runs, as lxc does).
    var mode: String?

    static let pushSpecs: [PFlags.Spec] = LXCCommandLine.globalSpecs + [
        .init(name: "create-dirs", short: "p", takesValue: false),
        .init(name: "recursive", short: "r", takesValue: false),
        .init(name: "uid", short: nil, takesValue: true),
        .init(name: "gid", short: nil, takesValue: true),
        .init(name: "mode", short: nil, takesValue: true),
    ]
    static let pullSpecs: [PFlags.Spec] = LXCCommandLine.globalSpecs + [
        .init(name: "create-dirs", short: "p", takesValue: false),
        .init(name: "recursive", short: "r", takesValue: false),
    ]

    /// The words after `file push` / `file pull` (global flags included). `incusFlag`:
    /// accept lxattach's `--incus`.
    static func parse(push: Bool, _ words: [String], incusFlag: Bool = false) -> LXCCommandLine {
        var specs = push ? pushSpecs : pullSpecs
        if incusFlag { specs.append(.init(name: "incus", short: nil, takesValue: false)) }
        let flags: PFlags
        do { flags = try PFlags.parse(words, specs: specs) } catch { return .usage(message: error.message, help: false) }
        if flags.isSet("help") || flags.isSet("version") || flags.isSet("sub-commands") { return .handOver }
        let positional = flags.arguments + (flags.afterDashes ?? [])
        if positional.isEmpty { return .handOver }
        if positional.count < 2 { return .usage(message: "Invalid number of arguments", help: false) }
        var parsed = LXCFileArguments(push: push, global: LXCGlobal(flags), sources: Array(positional.dropLast()),
                                      target: positional[positional.count - 1])
        parsed.incus = flags.isSet("incus")
        parsed.recursive = flags.isSet("recursive")
        parsed.createDirs = flags.isSet("create-dirs")
        parsed.mode = flags.value("mode").flatMap { $0.isEmpty ? nil : $0 }
        for name in ["uid", "gid"] {
            guard let value = flags.value(name) else { continue }
            guard let n = parseInt64(value) else {
                let why = value.allSatisfy({ $0.isNumber || $0 == "-" }) && !value.isEmpty ? "value out of range" : "invalid syntax"
                return .usage(message: "invalid argument \"\(value)\" for \"--\(name)\" flag: strconv.ParseInt: parsing \"\(value)\": \(why)", help: false)
            }
            let id: Int64? = n < 0 ? nil : n
            if name == "uid" { parsed.uid = id } else { parsed.gid = id }
        }
        return .file(parsed)
    }

    /// Go's strconv.ParseInt(s, 0, 64) for the usual spellings (decimal, 0x, 0o, 0 octal).
    static func parseInt64(_ s: String) -> Int64? {
        var text = Substring(s)
        var sign: Int64 = 1
        if text.hasPrefix("-") { sign = -1; text = text.dropFirst() } else if text.hasPrefix("+") { text = text.dropFirst() }
        let lower = text.lowercased()
        var radix = 10
        if lower.hasPrefix("0x") { radix = 16; text = text.dropFirst(2) }
        else if lower.hasPrefix("0o") { radix = 8; text = text.dropFirst(2) }
        else if lower.hasPrefix("0b") { radix = 2; text = text.dropFirst(2) }
        else if text.count > 1 && text.hasPrefix("0") { radix = 8; text = text.dropFirst() }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isHexDigit }), let v = Int64(text, radix: radix) else { return nil }
        return sign * v
    }

    /// lxc's `--mode` check: the value read as an octal number (lxc parses "0" + value);
    /// the error text when it is not one.
    static func parseMode(_ text: String) -> Result<UInt32, PFlags.Problem> {
        guard !text.isEmpty, text.allSatisfy({ ("0"..."7").contains($0) }), let v = UInt32(text, radix: 8), v <= 0o7777 else {
            return .failure(PFlags.Problem(message: "strconv.ParseInt: parsing \"0\(text)\": invalid syntax"))
        }
        return .success(v)
    }
}

/// `[remote:]instance/path` split as lxc splits it: at the first `/`; the path made
/// absolute and cleaned (`local:c1//etc/x` and `c1/etc/x` are both `/etc/x`).
struct InstancePath: Equatable {
    /// `[remote:]instance`.
    var instance: String
    /// Absolute and clean.
    var path: String
    /// The path as written ended with `/` (or cleaned to `/`): a folder to put things in.
    var isFolder: Bool
    /// The path as written had a `..` component.
    var hasParentComponent: Bool

    init?(_ written: String) {
        guard let slash = written.firstIndex(of: "/") else { return nil }
        instance = String(written[..<slash])
        let raw = String(written[written.index(after: slash)...])
        path = Self.clean("/" + raw)
        isFolder = written.hasSuffix("/") || path == "/"
        hasParentComponent = raw.split(separator: "/").contains("..")
    }

    /// Go's path.Clean for an absolute path: no `//`, `.`, or `..` (none above `/`).
    static func clean(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// `a/b/c` → `a/b` (`/c` → `/`).
    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last component (`/a/b` → `b`; `/dev/stdin` for `-`, as lxc names it → `stdin`).
    static func base(_ path: String) -> String {
        let trimmed = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
        return trimmed.split(separator: "/").last.map(String.init) ?? trimmed
    }

    /// `a` joined with `b` by one slash.
    static func join(_ a: String, _ b: String) -> String { a.hasSuffix("/") ? a + b : a + "/" + b }
}
