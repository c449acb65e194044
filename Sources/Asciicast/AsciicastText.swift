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

    /// Appends the escaped text of `bytes` to `out` (no quotes), keeping an unfinished
    /// sequence at the end for the next call.
    ///
    /// Runs of printable ASCII are found eight bytes at a time and copied whole; the
    /// other bytes are escaped into a scratch buffer with plain stores, which goes to
    /// `out` in one append per 4 KiB (an Array append per escaped byte cost more than
    /// the rest of the recording).
    public mutating func append(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        let source = base.assumingMemoryBound(to: UInt8.self)
        let count = bytes.count
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.scratchSize + Self.maxPerByte) { scratch in
            let buffer = scratch.baseAddress!
            var used = 0
            var i = 0
            while i < count {
                if needed == 0 {
                    let start = i
                    while i &+ 8 <= count {
                        if Self.needsAttention(base.loadUnaligned(fromByteOffset: i, as: UInt64.self)) { break }
                        i &+= 8
                    }
                    while i < count {
                        let b = source[i]
                        if b < 0x20 || b > 0x7E || b == 0x22 || b == 0x5C { break }
                        i &+= 1
                    }
                    let run = i &- start
                    if run > 0 {
                        if used &+ run > Self.scratchSize {
                            out.append(contentsOf: UnsafeBufferPointer(start: buffer, count: used))
                            used = 0
                        }
                        if run >= Self.scratchSize {
                            out.append(contentsOf: UnsafeBufferPointer(start: source + start, count: run))
                        } else {
                            (buffer + used).update(from: source + start, count: run)
                            used &+= run
                        }
                    }
                    if i == count { break }
                }
                if used > Self.scratchSize {
                    out.append(contentsOf: UnsafeBufferPointer(start: buffer, count: used))
                    used = 0
                }
                consume(source[i], to: buffer, &used)
                i &+= 1
            }
            if used > 0 { out.append(contentsOf: UnsafeBufferPointer(start: buffer, count: used)) }
        }
    }

    /// The scratch buffer's size, and the most one byte can add to it (an ill-formed
    /// sequence's U+FFFD, then the byte itself escaped).
    static let scratchSize = 4096
    static let maxPerByte = 16

    /// The end of the stream: an unfinished sequence becomes one U+FFFD.
    public mutating func finish(to out: inout [UInt8]) {
        if pendingCount > 0 { out.append(contentsOf: [0xEF, 0xBF, 0xBD]) }
        reset()
    }

    private mutating func reset() {
        pendingCount = 0
        needed = 0
        lower = 0x80
        upper = 0xBF
    }

    /// One byte outside a printable-ASCII run, written at `out[used...]`.
    @inline(__always)
    private mutating func consume(_ b: UInt8, to out: UnsafeMutablePointer<UInt8>, _ used: inout Int) {
        if needed > 0 {
            if b >= lower && b <= upper {
                lower = 0x80
                upper = 0xBF
                needed -= 1
                if needed == 0 { return emitSequence(b, to: out, &used) }
                if pendingCount == 1 { pending.1 = b } else { pending.2 = b }
                pendingCount += 1
                return
            }
            // The sequence cannot be finished: its maximal subpart is one U+FFFD, and
            // `b` starts afresh.
            Self.put(0xEF, 0xBF, 0xBD, to: out, &used)
            reset()
        }
        switch b {
        case 0x00...0x7F:
            Self.escapeASCII(b, to: out, &used)
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
            Self.put(0xEF, 0xBF, 0xBD, to: out, &used)
            return
        }
        pending.0 = b
        pendingCount = 1
    }

    /// A complete, valid sequence: the pending bytes, then `last`.
    private mutating func emitSequence(_ last: UInt8, to out: UnsafeMutablePointer<UInt8>, _ used: inout Int) {
        let (a, b) = (pending.0, pending.1)
        switch pendingCount + 1 {
        case 2 where a == 0xC2 && last <= 0x9F:
            // C1 control U+0080–U+009F.
            Self.escapeCode(UInt16(last), to: out, &used)
        case 2:
            out[used] = a
            out[used &+ 1] = last
            used &+= 2
        case 3 where a == 0xE2 && b == 0x80 && (last == 0xA8 || last == 0xA9):
            Self.escapeCode(last == 0xA8 ? 0x2028 : 0x2029, to: out, &used)
        case 3:
            Self.put(a, b, last, to: out, &used)
        default:
            Self.put(a, b, pending.2, to: out, &used)
            out[used] = last
            used &+= 1
        }
        pendingCount = 0
    }

    @inline(__always)
    private static func put(_ x: UInt8, _ y: UInt8, _ z: UInt8, to out: UnsafeMutablePointer<UInt8>, _ used: inout Int) {
        out[used] = x
        out[used &+ 1] = y
        out[used &+ 2] = z
        used &+= 3
    }

    /// An ASCII byte that is not plain printable: escaped.
    @inline(__always)
    private static func escapeASCII(_ b: UInt8, to out: UnsafeMutablePointer<UInt8>, _ used: inout Int) {
        let short: UInt8
        switch b {
        case 0x22: short = 0x22
        case 0x5C: short = 0x5C
        case 0x0A: short = UInt8(ascii: "n")
        case 0x0D: short = UInt8(ascii: "r")
        case 0x09: short = UInt8(ascii: "t")
        case 0x08: short = UInt8(ascii: "b")
        case 0x0C: short = UInt8(ascii: "f")
        case 0x20...0x7E:
            out[used] = b
            used &+= 1
            return
        default:
            return escapeCode(UInt16(b), to: out, &used)
        }
        out[used] = 0x5C
        out[used &+ 1] = short
        used &+= 2
    }

    /// `\uXXXX`.
    private static func escapeCode(_ code: UInt16, to out: UnsafeMutablePointer<UInt8>, _ used: inout Int) {
        out[used] = 0x5C
        out[used &+ 1] = UInt8(ascii: "u")
        out[used &+ 2] = hexDigit(code >> 12)
        out[used &+ 3] = hexDigit((code >> 8) & 0xF)
        out[used &+ 4] = hexDigit((code >> 4) & 0xF)
        out[used &+ 5] = hexDigit(code & 0xF)
        used &+= 6
    }

    @inline(__always)
    private static func hexDigit(_ v: UInt16) -> UInt8 {
        v < 10 ? UInt8(ascii: "0") &+ UInt8(v) : UInt8(ascii: "a") &+ UInt8(v - 10)
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
