/// Node sets as ClusterShell writes them, over instance names: a comma list whose
/// elements may hold bracketed ranges (`web[1-5,8]`, `prod:web[01-10]`,
/// `rack[1-2]-n[1-3]`, `n[1-10/3]`), and the way back, names folded into ranges.
///
/// Pure: no daemon, no config. Remote prefixes (`prod:`) are ordinary characters here;
/// the caller splits each expanded name into remote and instance.
public enum NodeSet: Sendable {
    /// A pattern that is not a node set; `description` is one line for the user.
    public struct ParseError: Error, Equatable, CustomStringConvertible, Sendable {
        public var description: String
        /// An error saying `description`.
        public init(_ description: String) { self.description = description }
    }

    /// The most names one pattern may expand to (`web[1-99999999]` is a typo, not a fleet).
    public static let maxNames = 10_000

    /// The names `pattern` stands for, in the order written (duplicates kept; the
    /// caller decides). Glob characters (`*`, `?`) pass through untouched.
    public static func expand(_ pattern: String) throws(ParseError) -> [String] {
        var names: [String] = []
        for element in try splitTopLevel(pattern) {
            names += try expandElement(element)
            if names.count > maxNames { throw ParseError("\"\(pattern)\" stands for more than \(maxNames) names") }
        }
        return names
    }

    /// True when `argument` is a single plain name (no list, range or glob): the plain
    /// exec path, unchanged.
    public static func isPlainName(_ argument: String) -> Bool {
        !argument.contains(where: { "[],*?".contains($0) })
    }

    /// Splits at the commas that are not inside brackets.
    static func splitTopLevel(_ pattern: String) throws(ParseError) -> [String] {
        var elements: [String] = []
        var current = ""
        var depth = 0
        for ch in pattern {
            switch ch {
            case "[":
                if depth > 0 { throw ParseError("nested \"[\" in \"\(pattern)\"") }
                depth = 1
            case "]":
                if depth == 0 { throw ParseError("\"]\" without \"[\" in \"\(pattern)\"") }
                depth = 0
            case "," where depth == 0:
                guard !current.isEmpty else { throw ParseError("empty name in the list \"\(pattern)\"") }
                elements.append(current)
                current = ""
                continue
            default:
                break
            }
            current.append(ch)
        }
        if depth > 0 { throw ParseError("\"[\" without \"]\" in \"\(pattern)\"") }
        guard !current.isEmpty else { throw ParseError("empty name in the list \"\(pattern)\"") }
        elements.append(current)
        return elements
    }

    /// One element: literal text and bracket groups, expanded as a cartesian product.
    static func expandElement(_ element: String) throws(ParseError) -> [String] {
        var results = [""]
        var literal = ""
        var group: String? = nil
        for ch in element {
            if var g = group {
                if ch == "]" {
                    let values = try rangeValues(g, in: element)
                    let base = results.map { $0 + literal }
                    guard base.count * values.count <= maxNames else {
                        throw ParseError("\"\(element)\" stands for more than \(maxNames) names")
                    }
                    results = base.flatMap { b in values.map { b + $0 } }
                    literal = ""
                    group = nil
                } else {
                    g.append(ch)
                    group = g
                }
            } else if ch == "[" {
                group = ""
            } else {
                literal.append(ch)
            }
        }
        return results.map { $0 + literal }
    }

    /// The inside of one bracket group: `1-5,8`, `01-10`, `1-10/3`.
    static func rangeValues(_ group: String, in element: String) throws(ParseError) -> [String] {
        guard !group.isEmpty else { throw ParseError("empty range \"[]\" in \"\(element)\"") }
        var values: [String] = []
        for item in group.split(separator: ",", omittingEmptySubsequences: false) {
            var bounds = Substring(item)
            var step = 1
            if let slash = item.firstIndex(of: "/") {
                guard let s = Int(item[item.index(after: slash)...]), s > 0, isDigits(item[item.index(after: slash)...]) else {
                    throw ParseError("bad step in \"[\(group)]\" of \"\(element)\"")
                }
                step = s
                bounds = item[..<slash]
            }
            let parts = bounds.split(separator: "-", omittingEmptySubsequences: false)
            guard parts.count == 1 || parts.count == 2, parts.allSatisfy({ isDigits($0) && $0.count <= 18 }) else {
                throw ParseError("bad range \"[\(group)]\" in \"\(element)\": expected numbers like [1-5,8] or [01-10]")
            }
            let low = parts[0]
            let high = parts.count == 2 ? parts[1] : low
            let from = Int(low)!, to = Int(high)!
            guard from <= to else { throw ParseError("range \"\(item)\" in \"\(element)\" runs backwards") }
            guard (to - from) / step + values.count < maxNames else {
                throw ParseError("\"\(element)\" stands for more than \(maxNames) names")
            }
            let width = low.count > 1 && low.first == "0" ? low.count : 0
            for v in stride(from: from, through: to, by: step) { values.append(pad(v, width)) }
        }
        return values
    }

    // MARK: - Folding

    /// `names` written back as a node set: names that differ only in their last number
    /// share one bracket group (`web[1-3,7]`, `lxa-f[01-20]`); zero padding is kept.
    /// Sorted by prefix, then number; duplicates dropped.
    public static func fold(_ names: [String]) -> String {
        struct Key: Hashable, Comparable {
            var prefix: String
            var suffix: String
            static func < (a: Key, b: Key) -> Bool { (a.prefix, a.suffix) < (b.prefix, b.suffix) }
        }
        var groups: [Key: [(value: Int, text: String)]] = [:]
        var literals: Set<String> = []
        for name in names {
            guard let (prefix, digits, suffix) = lastNumber(name) else {
                literals.insert(name)
                continue
            }
            groups[Key(prefix: prefix, suffix: suffix), default: []].append((Int(digits)!, digits))
        }
        var parts: [(sortKey: String, text: String)] = literals.map { ($0, $0) }
        for (key, items) in groups {
            var seen: Set<String> = []
            let unique = items.filter { seen.insert($0.text).inserted }
                .sorted { ($0.value, $0.text.count) < ($1.value, $1.text.count) }
            if unique.count == 1 {
                parts.append((key.prefix, key.prefix + unique[0].text + key.suffix))
            } else {
                parts.append((key.prefix, key.prefix + "[" + ranges(unique) + "]" + key.suffix))
            }
        }
        return parts.sorted { ($0.sortKey, $0.text) < ($1.sortKey, $1.text) }.map(\.text).joined(separator: ",")
    }

    /// Consecutive numbers as `a-b` runs, each run written as it expands back.
    static func ranges(_ items: [(value: Int, text: String)]) -> String {
        var out: [String] = []
        var i = 0
        while i < items.count {
            let start = items[i]
            let width = start.text.count > 1 && start.text.first == "0" ? start.text.count : 0
            var j = i
            while j + 1 < items.count, items[j + 1].value == items[j].value + 1,
                  items[j + 1].text == pad(items[j + 1].value, width) {
                j += 1
            }
            out.append(j == i ? start.text : start.text + "-" + items[j].text)
            i = j + 1
        }
        return out.joined(separator: ",")
    }

    /// `web12a` → ("web", "12", "a"): the last run of ASCII digits (at most 18 of them).
    static func lastNumber(_ name: String) -> (String, String, String)? {
        let chars = Array(name)
        guard let last = chars.lastIndex(where: { $0.isASCII && $0.isNumber }) else { return nil }
        var first = last
        while first > 0, chars[first - 1].isASCII, chars[first - 1].isNumber { first -= 1 }
        guard last - first < 18 else { return nil }
        return (String(chars[..<first]), String(chars[first...last]), String(chars[(last + 1)...]))
    }

    static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    static func isDigits(_ s: Substring) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
