/// JSON text output: compact (no whitespace) or pretty (2-space indent, `"key": value`,
/// empty containers as `{}` / `[]`). Strings escape `"`, `\` and control characters only;
/// other characters are written as UTF-8. Non-finite doubles are written as `null`.
extension JSONValue {
    /// The JSON text as a `String`.
    public func serialized(pretty: Bool = false) -> String {
        let bytes = serializedBytes(pretty: pretty)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The JSON text as UTF-8 bytes.
    public func serializedBytes(pretty: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        write(to: &out, pretty: pretty)
        return out
    }

    /// Appends the JSON text to `out` (reuse one buffer to serialize without reallocating).
    public func write(to out: inout [UInt8], pretty: Bool = false) {
        if pretty {
            writePretty(to: &out, indent: 0)
        } else {
            writeCompact(to: &out)
        }
    }

    func writeCompact(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: b ? "true".utf8 : "false".utf8)
        case .number(let n): JSONValue.writeNumber(n, to: &out)
        case .string(let s): JSONValue.writeString(s, to: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                v.writeCompact(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for i in o.indices {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.writeString(o.keys[i], to: &out)
                out.append(UInt8(ascii: ":"))
                o.values[i].writeCompact(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    func writePretty(to out: inout [UInt8], indent: Int) {
        switch self {
        case .array(let a) where !a.isEmpty:
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.newline(&out, indent + 2)
                v.writePretty(to: &out, indent: indent + 2)
            }
            JSONValue.newline(&out, indent)
            out.append(UInt8(ascii: "]"))
        case .object(let o) where !o.isEmpty:
            out.append(UInt8(ascii: "{"))
            for i in o.indices {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSONValue.newline(&out, indent + 2)
                JSONValue.writeString(o.keys[i], to: &out)
                out.append(UInt8(ascii: ":"))
                out.append(UInt8(ascii: " "))
                o.values[i].writePretty(to: &out, indent: indent + 2)
            }
            JSONValue.newline(&out, indent)
            out.append(UInt8(ascii: "}"))
        default:
            writeCompact(to: &out)
        }
    }

    static func newline(_ out: inout [UInt8], _ indent: Int) {
        out.append(0x0A)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent))
    }

    static func writeNumber(_ n: JSONNumber, to out: inout [UInt8]) {
        switch n {
        case .int(let v):
            if v >= 0 && v < 10 {
                out.append(UInt8(ascii: "0") + UInt8(v))
            } else {
                out.append(contentsOf: String(v).utf8)
            }
        case .double:
            out.append(contentsOf: n.description.utf8)
        }
    }

    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Writes `s` as a quoted JSON string.
    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { buf in
            var runStart = 0
            for i in 0..<buf.count {
                let b = buf[i]
                guard b < 0x20 || b == 0x22 || b == 0x5C else { continue }
                if runStart < i {
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<i]))
                }
                runStart = i + 1
                out.append(UInt8(ascii: "\\"))
                switch b {
                case 0x22: out.append(0x22)
                case 0x5C: out.append(0x5C)
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                default:
                    out.append(contentsOf: "u00".utf8)
                    out.append(hexDigits[Int(b >> 4)])
                    out.append(hexDigits[Int(b & 0xF)])
                }
            }
            if runStart < buf.count {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<buf.count]))
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
