/// JSON strings: escapes, surrogate pairs and strict UTF-8 (RFC 8259 §7, §8.1).
extension JSONParser {
    /// Parses a string starting at the opening quote.
    mutating func parseString() throws(JSONError) -> String {
        pos += 1  // opening quote
        let start = pos
        // Fast path: no escapes; validate UTF-8 while scanning.
        while pos < bytes.count {
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                let s = String(
                    decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
                pos += 1
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw JSONError(.controlCharacterInString(b), at: pos) }
            if b < 0x80 {
                pos += 1
            } else {
                pos += try utf8SequenceLength(at: pos)
            }
        }
        guard pos < bytes.count else { throw JSONError(.unexpectedEnd, at: pos) }
        // Slow path: copy what we have and decode escapes into the scratch buffer.
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<pos]))
        while pos < bytes.count {
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                pos += 1
                return String(decoding: scratch, as: UTF8.self)
            }
            if b == UInt8(ascii: "\\") {
                try parseEscape()
            } else if b < 0x20 {
                throw JSONError(.controlCharacterInString(b), at: pos)
            } else if b < 0x80 {
                scratch.append(b)
                pos += 1
            } else {
                let n = try utf8SequenceLength(at: pos)
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[pos..<pos + n]))
                pos += n
            }
        }
        throw JSONError(.unexpectedEnd, at: pos)
    }

    /// Decodes one escape (at the backslash) into `scratch`.
    mutating func parseEscape() throws(JSONError) {
        let escapeStart = pos
        pos += 1
        guard pos < bytes.count else { throw JSONError(.unexpectedEnd, at: pos) }
        let c = bytes[pos]
        pos += 1
        switch c {
        case UInt8(ascii: "\""): scratch.append(0x22)
        case UInt8(ascii: "\\"): scratch.append(0x5C)
        case UInt8(ascii: "/"): scratch.append(0x2F)
        case UInt8(ascii: "b"): scratch.append(0x08)
        case UInt8(ascii: "f"): scratch.append(0x0C)
        case UInt8(ascii: "n"): scratch.append(0x0A)
        case UInt8(ascii: "r"): scratch.append(0x0D)
        case UInt8(ascii: "t"): scratch.append(0x09)
        case UInt8(ascii: "u"):
            let unit = try parseHex4()
            var scalar: UInt32
            switch unit {
            case 0xD800...0xDBFF:
                guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"),
                    bytes[pos + 1] == UInt8(ascii: "u")
                else { throw JSONError(.unpairedSurrogate, at: escapeStart) }
                pos += 2
                let low = try parseHex4()
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw JSONError(.unpairedSurrogate, at: escapeStart)
                }
                scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            case 0xDC00...0xDFFF:
                throw JSONError(.unpairedSurrogate, at: escapeStart)
            default:
                scalar = UInt32(unit)
            }
            appendUTF8(scalar)
        default:
            throw JSONError(.invalidEscape, at: escapeStart)
        }
    }

    mutating func parseHex4() throws(JSONError) -> UInt16 {
        var v: UInt16 = 0
        for _ in 0..<4 {
            guard pos < bytes.count else { throw JSONError(.unexpectedEnd, at: pos) }
            let b = bytes[pos]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw JSONError(.invalidUnicodeEscape, at: pos)
            }
            v = v << 4 | UInt16(d)
            pos += 1
        }
        return v
    }

    mutating func appendUTF8(_ s: UInt32) {
        switch s {
        case 0..<0x80:
            scratch.append(UInt8(s))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | s >> 6))
            scratch.append(UInt8(0x80 | s & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | s >> 12))
            scratch.append(UInt8(0x80 | (s >> 6) & 0x3F))
            scratch.append(UInt8(0x80 | s & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | s >> 18))
            scratch.append(UInt8(0x80 | (s >> 12) & 0x3F))
            scratch.append(UInt8(0x80 | (s >> 6) & 0x3F))
            scratch.append(UInt8(0x80 | s & 0x3F))
        }
    }

    /// Length of the well-formed UTF-8 sequence (RFC 3629, table 3-7 of Unicode) starting
    /// with the non-ASCII byte at `i`: no overlongs, no surrogates, nothing above U+10FFFF.
    func utf8SequenceLength(at i: Int) throws(JSONError) -> Int {
        let b0 = bytes[i]
        @inline(__always) func cont(_ j: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool {
            j < bytes.count && bytes[j] >= lo && bytes[j] <= hi
        }
        switch b0 {
        case 0xC2...0xDF:
            if cont(i + 1) { return 2 }
        case 0xE0:
            if cont(i + 1, 0xA0, 0xBF) && cont(i + 2) { return 3 }
        case 0xE1...0xEC, 0xEE...0xEF:
            if cont(i + 1) && cont(i + 2) { return 3 }
        case 0xED:
            if cont(i + 1, 0x80, 0x9F) && cont(i + 2) { return 3 }
        case 0xF0:
            if cont(i + 1, 0x90, 0xBF) && cont(i + 2) && cont(i + 3) { return 4 }
        case 0xF1...0xF3:
            if cont(i + 1) && cont(i + 2) && cont(i + 3) { return 4 }
        case 0xF4:
            if cont(i + 1, 0x80, 0x8F) && cont(i + 2) && cont(i + 3) { return 4 }
        default:
            break
        }
        throw JSONError(.invalidUTF8, at: i)
    }
}
