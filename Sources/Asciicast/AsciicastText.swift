/// Turns a byte stream that arrives in arbitrary pieces into the body of JSON strings:
/// valid UTF-8, every control character escaped, one piece at a time.
///
/// Output is not aligned to characters: a frame can end inside a multi-byte sequence.
/// An incomplete sequence at the end of a piece is kept (`carried`) and finished by the
/// next piece; what can never become valid is replaced by U+FFFD, one per maximal
/// subpart of an ill-formed sequence (Unicode's recommended practice, as Swift's
/// `String(decoding:as:)` and Python's `errors="replace"` do), so a stream gives the same
/// text however it was cut.
///
/// Escaped: `"` and `\`, C0 controls (U+0000–U+001F, short forms `\b \t \n \f \r`),
/// DEL (U+007F), C1 controls (U+0080–U+009F) and the line and paragraph separators
/// (U+2028, U+2029), so a line of the file is one JSON text for any reader.
public struct AsciicastText: Sendable {
    /// Bytes of an unfinished sequence (at most 3), and how many more it needs.
    private var pending: (UInt8, UInt8, UInt8) = (0, 0, 0)
    private var pendingCount = 0
    private var needed = 0
    /// The range the next continuation byte must be in (narrower after E0, ED, F0, F4).
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    public init() {}

    /// Bytes held back: the start of a sequence the next piece may finish.
    public var carried: Int { pendingCount }

    static let hex: [UInt8] = Array("0123456789abcdef".utf8)
    static let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]

    /// Appends the escaped text of `bytes` to `out` (no quotes), keeping an unfinished
    /// sequence at the end for the next call.
    public mutating func append(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        guard let base = bytes.baseAddress else { return }
        let count = bytes.count
        out.reserveCapacity(out.count + count + count / 8 + 16)
        var i = 0
        while i < count {
            if needed == 0 {
                // Runs of printable ASCII (0x20–0x7E but `"` and `\`) are copied as they
                // are, checked eight bytes at a time.
                let start = i
                while i &+ 8 <= count {
                    let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    if Self.needsAttention(w) { break }
                    i &+= 8
                }
                while i < count {
                    let b = base.load(fromByteOffset: i, as: UInt8.self)
                    if b < 0x20 || b > 0x7E || b == 0x22 || b == 0x5C { break }
                    i &+= 1
                }
                if i > start {
                    out.append(contentsOf: UnsafeRawBufferPointer(start: base + start, count: i - start))
                }
                if i == count { return }
            }
            consume(base.load(fromByteOffset: i, as: UInt8.self), to: &out)
            i &+= 1
        }
    }

    /// The end of the stream: an unfinished sequence becomes one U+FFFD.
    public mutating func finish(to out: inout [UInt8]) {
        if pendingCount > 0 { out.append(contentsOf: Self.replacement) }
        reset()
    }

    private mutating func reset() {
        pendingCount = 0
        needed = 0
        lower = 0x80
        upper = 0xBF
    }

    /// One byte outside a printable-ASCII run.
    private mutating func consume(_ b: UInt8, to out: inout [UInt8]) {
        if needed > 0 {
            if b >= lower && b <= upper {
                lower = 0x80
                upper = 0xBF
                needed -= 1
                if needed == 0 { return emitSequence(b, to: &out) }
                if pendingCount == 1 { pending.1 = b } else { pending.2 = b }
                pendingCount += 1
                return
            }
            // The sequence cannot be finished: its maximal subpart is one U+FFFD, and
            // `b` starts afresh.
            out.append(contentsOf: Self.replacement)
            reset()
        }
        switch b {
        case 0x00...0x7F:
            Self.escapeASCII(b, to: &out)
            return
        case 0xC2...0xDF: needed = 1
        case 0xE0: needed = 2; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: needed = 2
        case 0xED: needed = 2; upper = 0x9F
        case 0xF0: needed = 3; lower = 0x90
        case 0xF1...0xF3: needed = 3
        case 0xF4: needed = 3; upper = 0x8F
        default:
            // 80–C1, F5–FF never start a sequence.
            out.append(contentsOf: Self.replacement)
            return
        }
        pending.0 = b
        pendingCount = 1
    }

    /// A complete, valid sequence: the pending bytes, then `last`.
    private mutating func emitSequence(_ last: UInt8, to out: inout [UInt8]) {
        let (a, b) = (pending.0, pending.1)
        switch pendingCount + 1 {
        case 2 where a == 0xC2 && last <= 0x9F:
            // C1 control U+0080–U+009F.
            Self.escapeCode(UInt16(last), to: &out)
        case 2:
            out.append(a)
            out.append(last)
        case 3 where a == 0xE2 && b == 0x80 && (last == 0xA8 || last == 0xA9):
            Self.escapeCode(last == 0xA8 ? 0x2028 : 0x2029, to: &out)
        case 3:
            out.append(a)
            out.append(b)
            out.append(last)
        default:
            out.append(a)
            out.append(b)
            out.append(pending.2)
            out.append(last)
        }
        pendingCount = 0
    }

    /// An ASCII byte that is not plain printable: escaped.
    private static func escapeASCII(_ b: UInt8, to out: inout [UInt8]) {
        switch b {
        case 0x22: out.append(0x5C); out.append(0x22)
        case 0x5C: out.append(0x5C); out.append(0x5C)
        case 0x0A: out.append(0x5C); out.append(UInt8(ascii: "n"))
        case 0x0D: out.append(0x5C); out.append(UInt8(ascii: "r"))
        case 0x09: out.append(0x5C); out.append(UInt8(ascii: "t"))
        case 0x08: out.append(0x5C); out.append(UInt8(ascii: "b"))
        case 0x0C: out.append(0x5C); out.append(UInt8(ascii: "f"))
        case 0x20...0x7E: out.append(b)
        default: escapeCode(UInt16(b), to: &out)
        }
    }

    /// `\uXXXX`.
    private static func escapeCode(_ code: UInt16, to out: inout [UInt8]) {
        out.append(0x5C)
        out.append(UInt8(ascii: "u"))
        out.append(hex[Int(code >> 12)])
        out.append(hex[Int((code >> 8) & 0xF)])
        out.append(hex[Int((code >> 4) & 0xF)])
        out.append(hex[Int(code & 0xF)])
    }

    /// Whether any of the eight bytes of `w` is not printable ASCII or is `"` or `\`.
    @inline(__always)
    static func needsAttention(_ w: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        // Bytes ≥ 0x80, or < 0x20: (w - 0x20) borrows into the high bit.
        let low = (w &- ones &* 0x20) & ~w & highs
        // Bytes equal to 0x22, 0x5C, 0x7F: a zero byte after XOR.
        func hasZero(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
        let special = hasZero(w ^ (ones &* 0x22)) | hasZero(w ^ (ones &* 0x5C)) | hasZero(w ^ (ones &* 0x7F))
        return (low | special | (w & highs)) != 0
    }
}
