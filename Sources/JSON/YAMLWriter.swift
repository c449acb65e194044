/// A block-style YAML writer for `JSONValue`, shaped like the output of `lxc ... show`
/// (Go's yaml.v2): keys in document order, two-space indentation, sequences under a mapping
/// key not indented (`key:\n- item`), empty containers as `{}` / `[]`, `null` for null,
/// multi-line strings as literal blocks (`|`, `|-`, `|+`), and strings quoted only when a plain
/// scalar would read back as something else, the way yaml.v2 does: double quotes when it
/// would read as another type (empty, `true`, `null`, `"0"`, `1e3`) or holds characters that
/// need escaping (control characters, tabs); single quotes when it is a string that plain
/// style cannot carry (a leading indicator, `: ` or ` #` inside, surrounding spaces...).
///
/// Writing only: the output is valid YAML 1.1 and 1.2 that reads back to the same value.
public enum YAMLWriter {
    /// The YAML document for `value`, ending with a newline.
    public static func string(for value: JSONValue) -> String {
        var out: [UInt8] = []
        write(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the YAML document for `value` to `out`.
    public static func write(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .object(let o) where !o.isEmpty:
            writeMapping(o, indent: 0, inline: false, to: &out)
        case .array(let a) where !a.isEmpty:
            writeSequence(a, indent: 0, inline: false, to: &out)
        default:
            writeScalarLine(value, indent: 0, to: &out)
        }
    }

    // MARK: Blocks

    /// A mapping whose keys start at column `indent`; with `inline`, the first key continues
    /// the current line (after `- `).
    static func writeMapping(_ o: JSONObject, indent: Int, inline: Bool, to out: inout [UInt8]) {
        for i in o.indices {
            if i > 0 || !inline { spaces(indent, &out) }
            writeString(o.keys[i], allowBlock: false, indent: indent, to: &out)
            out.append(UInt8(ascii: ":"))
            let v = o.values[i]
            switch v {
            case .object(let child) where !child.isEmpty:
                out.append(0x0A)
                writeMapping(child, indent: indent + 2, inline: false, to: &out)
            case .array(let child) where !child.isEmpty:
                out.append(0x0A)
                writeSequence(child, indent: indent, inline: false, to: &out)
            default:
                out.append(UInt8(ascii: " "))
                writeScalarLine(v, indent: indent, to: &out)
            }
        }
    }

    /// A sequence whose dashes start at column `indent`.
    static func writeSequence(_ a: [JSONValue], indent: Int, inline: Bool, to out: inout [UInt8]) {
        for (i, v) in a.enumerated() {
            if i > 0 || !inline { spaces(indent, &out) }
            out.append(UInt8(ascii: "-"))
            out.append(UInt8(ascii: " "))
            switch v {
            case .object(let child) where !child.isEmpty:
                writeMapping(child, indent: indent + 2, inline: true, to: &out)
            case .array(let child) where !child.isEmpty:
                writeSequence(child, indent: indent + 2, inline: true, to: &out)
            default:
                writeScalarLine(v, indent: indent, to: &out)
            }
        }
    }

    /// A scalar (or empty container) and its line end; block strings continue at indent + 2.
    static func writeScalarLine(_ v: JSONValue, indent: Int, to out: inout [UInt8]) {
        switch v {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n): out.append(contentsOf: n.description.utf8)
        case .string(let s):
            writeString(s, allowBlock: true, indent: indent, to: &out)
            return  // writeString ends block scalars itself; plain/quoted need the newline
        case .array: out.append(contentsOf: "[]".utf8)
        case .object: out.append(contentsOf: "{}".utf8)
        }
        out.append(0x0A)
    }

    static func spaces(_ n: Int, _ out: inout [UInt8]) {
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: n))
    }

    // MARK: Strings

    enum Style { case plain, singleQuoted, doubleQuoted, literal }

    /// Writes a string; as a value (`allowBlock`) it also writes the line end.
    static func writeString(_ s: String, allowBlock: Bool, indent: Int, to out: inout [UInt8]) {
        let style = self.style(for: s, allowBlock: allowBlock)
        switch style {
        case .plain:
            out.append(contentsOf: s.utf8)
            if allowBlock { out.append(0x0A) }
        case .doubleQuoted:
            writeDoubleQuoted(s, to: &out)
            if allowBlock { out.append(0x0A) }
        case .singleQuoted:
            out.append(UInt8(ascii: "'"))
            for b in s.utf8 {
                out.append(b)
                if b == UInt8(ascii: "'") { out.append(b) }
            }
            out.append(UInt8(ascii: "'"))
            if allowBlock { out.append(0x0A) }
        case .literal:
            writeLiteral(s, indent: indent + 2, to: &out)
        }
    }

    static func style(for s: String, allowBlock: Bool) -> Style {
        let u = Array(s.utf8)
        guard let first = u.first, let last = u.last else { return .doubleQuoted }
        var hasNewline = false
        var hasSpecial = false  // needs escaping: control characters and YAML line breaks
        var i = 0
        while i < u.count {
            let b = u[i]
            if b == 0x0A {
                hasNewline = true
            } else if b < 0x20 || b == 0x7F {
                hasSpecial = true  // tabs too: yaml.v2 does not print them raw
            } else if b == 0xC2 && i + 1 < u.count && u[i + 1] == 0x85 {
                hasSpecial = true  // U+0085 NEL
            } else if b == 0xE2 && i + 2 < u.count && u[i + 1] == 0x80
                && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9)
            {
                hasSpecial = true  // U+2028, U+2029
            } else if b == 0xEF && i + 2 < u.count && u[i + 1] == 0xBB && u[i + 2] == 0xBF {
                hasSpecial = true  // BOM
            }
            i += 1
        }
        if hasSpecial { return .doubleQuoted }
        if hasNewline {
            // Literal blocks need a first line that does not start with a space (no
            // indentation indicator), no tabs (indentation ambiguity) and some content.
            if allowBlock && first != 0x20 && first != 0x0A && !u.contains(0x09) {
                return .literal
            }
            return .doubleQuoted
        }
        if isReservedWord(u) || isNumberLike(u) { return .doubleQuoted }
        if first == 0x20 || last == 0x20 { return .singleQuoted }
        if first == UInt8(ascii: "-") || first == UInt8(ascii: "?") || first == UInt8(ascii: ":") {
            // `-x`, `?x`, `:x` are plain scalars; `-`, `- x`, and a `---` document marker are not.
            if u.count == 1 || u[1] == 0x20 { return .singleQuoted }
            if u.starts(with: "---".utf8) { return .singleQuoted }
        } else if ",[]{}#&*!|>'\"%@`".utf8.contains(first) {
            return .singleQuoted
        }
        if u.starts(with: "...".utf8) { return .singleQuoted }
        if last == UInt8(ascii: ":") { return .singleQuoted }
        for j in 0..<(u.count - 1) {
            if u[j] == UInt8(ascii: ":") && u[j + 1] == 0x20 { return .singleQuoted }
            if u[j] == 0x20 && u[j + 1] == UInt8(ascii: "#") { return .singleQuoted }
        }
        return .plain
    }

    /// YAML 1.1 null and boolean words (any case), which a reader would not take as strings.
    static func isReservedWord(_ u: [UInt8]) -> Bool {
        guard u.count <= 5 else { return false }
        let lower = String(decoding: u.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
        switch lower {
        case "~", "null", "true", "false", "yes", "no", "on", "off", "y", "n": return true
        default: return false
        }
    }

    /// Integers (decimal, 0x, 0o, 0b, legacy octal, `_` separators, base 60), floats
    /// (`1.`, `.5`, `1e3`, `1.5E-3`) and `.inf` / `.nan`, with an optional sign.
    static func isNumberLike(_ u: [UInt8]) -> Bool {
        var i = 0
        if u[0] == UInt8(ascii: "+") || u[0] == UInt8(ascii: "-") { i = 1 }
        guard i < u.count else { return false }
        let rest = Array(u[i...]).map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        if rest == Array(".inf".utf8) || rest == Array(".nan".utf8) { return true }
        func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
        if rest.count > 2 && rest[0] == UInt8(ascii: "0") {
            let body = rest[2...]
            switch rest[1] {
            case UInt8(ascii: "x"):
                return body.allSatisfy { isDigit($0) || ($0 >= 0x61 && $0 <= 0x66) || $0 == 0x5F }
            case UInt8(ascii: "o"):
                return body.allSatisfy { ($0 >= 0x30 && $0 <= 0x37) || $0 == 0x5F }
            case UInt8(ascii: "b"):
                return body.allSatisfy { $0 == 0x30 || $0 == 0x31 || $0 == 0x5F }
            default: break
            }
        }
        // [digits _ :]* ( . [digits _]* )? ( e [+-]? digits+ )?  with at least one digit.
        var j = 0
        var digits = 0
        while j < rest.count, isDigit(rest[j]) || rest[j] == 0x5F || rest[j] == 0x3A {
            if isDigit(rest[j]) { digits += 1 }
            j += 1
        }
        if j < rest.count && rest[j] == UInt8(ascii: ".") {
            j += 1
            while j < rest.count, isDigit(rest[j]) || rest[j] == 0x5F {
                digits += 1
                j += 1
            }
        }
        guard digits > 0 else { return false }
        if j < rest.count && rest[j] == UInt8(ascii: "e") {
            j += 1
            if j < rest.count && (rest[j] == UInt8(ascii: "+") || rest[j] == UInt8(ascii: "-")) {
                j += 1
            }
            let expStart = j
            while j < rest.count, isDigit(rest[j]) { j += 1 }
            if j == expStart { return false }
        }
        return j == rest.count
    }

    static func writeDoubleQuoted(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            switch scalar.value {
            case 0x22: out.append(contentsOf: "\\\"".utf8)
            case 0x5C: out.append(contentsOf: "\\\\".utf8)
            case 0x00: out.append(contentsOf: "\\0".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            case 0x0A: out.append(contentsOf: "\\n".utf8)
            case 0x0D: out.append(contentsOf: "\\r".utf8)
            case 0x85: out.append(contentsOf: "\\N".utf8)
            case 0x2028: out.append(contentsOf: "\\L".utf8)
            case 0x2029: out.append(contentsOf: "\\P".utf8)
            case 0xFEFF: out.append(contentsOf: "\\uFEFF".utf8)
            case 0x01..<0x20, 0x7F:
                out.append(contentsOf: "\\x".utf8)
                out.append(JSONValue.hexDigits[Int(scalar.value >> 4)])
                out.append(JSONValue.hexDigits[Int(scalar.value & 0xF)])
            default:
                out.append(contentsOf: String(scalar).utf8)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `|`, `|-` or `|+` by the number of trailing newlines, lines indented by `indent`.
    static func writeLiteral(_ s: String, indent: Int, to out: inout [UInt8]) {
        let u = Array(s.utf8)
        var trailing = 0
        while trailing < u.count && u[u.count - 1 - trailing] == 0x0A { trailing += 1 }
        out.append(UInt8(ascii: "|"))
        if trailing == 0 { out.append(UInt8(ascii: "-")) }
        if trailing > 1 { out.append(UInt8(ascii: "+")) }
        out.append(0x0A)
        let body = u[0..<(u.count - trailing)]
        for line in body.split(separator: 0x0A, omittingEmptySubsequences: false) {
            if !line.isEmpty {
                spaces(indent, &out)
                out.append(contentsOf: line)
            }
            out.append(0x0A)
        }
        // Keep-chomping: the extra trailing newlines are empty lines of the block.
        if trailing > 1 {
            for _ in 1..<trailing { out.append(0x0A) }
        }
    }
}
