/// Command-line words read as Go's pflag reads them for `lxc` and `incus` (cobra, flags
/// interspersed with arguments), with pflag's own error texts. Pure.
///
/// - `--name=value`, `--name value` (the next word, whatever it is), `--flag`,
///   `--flag=true|false`;
/// - `-x`, `-xvalue`, `-x value`, and several one-letter flags in one word (`-nT`);
/// - `-` alone is an argument; `--` ends the flags: every word after it is an argument
///   (kept apart in `afterDashes`).
struct PFlags {
    /// One flag a command knows.
    struct Spec {
        var name: String
        var short: Character?
        var takesValue: Bool
    }

    /// The flags found, in order: (long name, value; "true" for a flag without a value).
    var flags: [(name: String, value: String)] = []
    /// The words that are not flags, before `--`.
    var arguments: [String] = []
    /// The words after `--` (nil: there was no `--`).
    var afterDashes: [String]?

    /// The last value given for `name`.
    func value(_ name: String) -> String? { flags.last { $0.name == name }?.value }
    /// Every value given for `name`, in order.
    func values(_ name: String) -> [String] { flags.filter { $0.name == name }.map(\.value) }
    /// Whether the boolean flag `name` is set (its last value is true).
    func isSet(_ name: String) -> Bool { value(name).map { $0 == "true" || $0 == "1" || $0 == "t" || $0 == "T" || $0 == "TRUE" || $0 == "True" } ?? false }
    /// Whether `name` was given at all.
    func has(_ name: String) -> Bool { flags.contains { $0.name == name } }

    /// The error texts of pflag (after "Error: ").
    struct Problem: Error, Equatable {
        var message: String
    }

    /// Parses `words` with `specs`.
    static func parse(_ words: [String], specs: [Spec]) throws(Problem) -> PFlags {
        var result = PFlags()
        var i = 0
        func spec(long: String) -> Spec? { specs.first { $0.name == long } }
        func spec(short: Character) -> Spec? { specs.first { $0.short == short } }
        func checkBool(_ s: Spec, _ value: String) throws(Problem) {
            guard !s.takesValue else { return }
            let accepted = ["1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"]
            guard accepted.contains(value) else {
                throw Problem(message: "invalid argument \"\(value)\" for \"--\(s.name)\" flag: strconv.ParseBool: parsing \"\(value)\": invalid syntax")
            }
        }
        while i < words.count {
            let word = words[i]
            i += 1
            if word == "--" {
                result.afterDashes = Array(words[i...])
                return result
            }
            if word.hasPrefix("--") {
                let body = word.dropFirst(2)
                let name = body.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
                let inline = body.contains("=") ? String(body[body.index(after: body.firstIndex(of: "=")!)...]) : nil
                guard let s = spec(long: name) else { throw Problem(message: "unknown flag: --\(name)") }
                if let inline {
                    try checkBool(s, inline)
                    result.flags.append((name, inline))
                } else if s.takesValue {
                    guard i < words.count else { throw Problem(message: "flag needs an argument: --\(name)") }
                    result.flags.append((name, words[i]))
                    i += 1
                } else {
                    result.flags.append((name, "true"))
                }
                continue
            }
            if word.hasPrefix("-") && word.count > 1 {
                var rest = Substring(word.dropFirst())
                while let c = rest.first {
                    rest = rest.dropFirst()
                    guard let s = spec(short: c) else {
                        throw Problem(message: "unknown shorthand flag: '\(c)' in \(word)")
                    }
                    if s.takesValue {
                        var value = String(rest)
                        if value.hasPrefix("=") { value.removeFirst() }
                        if value.isEmpty && !rest.hasPrefix("=") {
                            guard i < words.count else {
                                throw Problem(message: "flag needs an argument: '\(c)' in -\(c)")
                            }
                            value = words[i]
                            i += 1
                        }
                        result.flags.append((s.name, value))
                        break
                    }
                    if rest.hasPrefix("=") {
                        let value = String(rest.dropFirst())
                        try checkBool(s, value)
                        result.flags.append((s.name, value))
                        break
                    }
                    result.flags.append((s.name, "true"))
                }
                continue
            }
            result.arguments.append(word)
        }
        return result
    }
}
