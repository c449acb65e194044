/// A strict RFC 8259 parser over UTF-8 bytes.
///
/// Strict means: one value with optional surrounding whitespace (space, tab, LF, CR) and
/// nothing else; no leading zeros, `+`, bare `.`, NaN/Infinity, comments or trailing commas;
/// strings must be well-formed UTF-8 with control characters escaped and `\u` surrogates
/// paired. Numbers out of `Double` range are rejected rather than turned into infinity (which
/// JSON cannot print back). Duplicate object keys: the last value wins, at the first position.
extension JSONValue {
    /// Default limit on array/object nesting; deep enough for any LXD document, shallow enough
    /// that the recursive descent cannot overflow the stack.
    public static let defaultMaxDepth = 512

    /// Parses a complete JSON text.
    public static func parse<C: Collection<UInt8>>(
        _ bytes: C, maxDepth: Int = defaultMaxDepth
    ) throws(JSONError) -> JSONValue {
        let result: Result<JSONValue, JSONError>? = bytes.withContiguousStorageIfAvailable {
            buffer in
            do throws(JSONError) {
                return .success(try parse(buffer: buffer, maxDepth: maxDepth))
            } catch {
                return .failure(error)
            }
        }
        if let result { return try result.get() }
        return try parse(Array(bytes), maxDepth: maxDepth)
    }

    /// Parses a complete JSON text held in a `String`.
    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONError)
        -> JSONValue
    {
        var text = text
        let result: Result<JSONValue, JSONError> = text.withUTF8 { buffer in
            do throws(JSONError) {
                return .success(try parse(buffer: buffer, maxDepth: maxDepth))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// Parses a complete JSON text from raw memory (no copy).
    public static func parse(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int = defaultMaxDepth)
        throws(JSONError) -> JSONValue
    {
        var parser = JSONParser(buffer, maxDepth: maxDepth)
        return try parser.parseDocument()
    }
}

struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    var pos = 0
    var depth = 0
    /// Reused for strings with escapes, so only the final `String` is allocated.
    var scratch: [UInt8] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    mutating func parseDocument() throws(JSONError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if pos != bytes.count { throw JSONError(.trailingCharacters, at: pos) }
        return value
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    mutating func parseValue() throws(JSONError) -> JSONValue {
        guard pos < bytes.count else { throw JSONError(.unexpectedEnd, at: pos) }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try parseNumber())
        case let b:
            throw JSONError(.unexpectedByte(b, expected: "a JSON value"), at: pos)
        }
    }

    mutating func expectLiteral(_ word: StaticString) throws(JSONError) {
        let start = pos
        let n = word.utf8CodeUnitCount
        let w = word.utf8Start
        for i in 0..<n {
            guard pos + i < bytes.count else { throw JSONError(.unexpectedEnd, at: pos + i) }
            guard bytes[pos + i] == w[i] else { throw JSONError(.invalidLiteral, at: start) }
        }
        pos += n
    }

    mutating func enterContainer() throws(JSONError) {
        depth += 1
        if depth > maxDepth { throw JSONError(.depthLimitExceeded(maxDepth), at: pos) }
    }

    mutating func parseArray() throws(JSONError) -> JSONValue {
        try enterContainer()
        pos += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "]") {
            pos += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue())
            skipWhitespace()
            guard pos < bytes.count else { throw JSONError(.unexpectedEnd, at: pos) }
            switch bytes[pos] {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "]"):
                pos += 1
                depth -= 1
                return .array(elements)
            case let b: throw JSONError(.unexpectedByte(b, expected: "',' or ']'"), at: pos)
            }
        }
    }

    mutating func parseObject() throws(JSONError) -> JSONValue {
        try enterContainer()
        pos += 1  // {
        var object = JSONObject()
        skipWhitespace()
        if pos < bytes.count && bytes[pos] == UInt8(ascii: "}") {
            pos += 1
            depth -= 1
            return .object(object)
        }
        while true {
            skipWhitespace()
            guard pos < bytes.count else { throw JSONError(.unexpectedEnd, at: pos) }
            guard bytes[pos] == UInt8(ascii: "\"") else {
                throw JSONError(.unexpectedByte(bytes[pos], expected: "a string key"), at: pos)
            }
            let key = try parseString()
            skipWhitespace()
            guard pos < bytes.count else { throw JSONError(.unexpectedEnd, at: pos) }
            guard bytes[pos] == UInt8(ascii: ":") else {
                throw JSONError(.unexpectedByte(bytes[pos], expected: "':'"), at: pos)
            }
            pos += 1
            skipWhitespace()
            let value = try parseValue()
            object.updateValue(value, forKey: key)
            skipWhitespace()
            guard pos < bytes.count else { throw JSONError(.unexpectedEnd, at: pos) }
            switch bytes[pos] {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "}"):
                pos += 1
                depth -= 1
                return .object(object)
            case let b: throw JSONError(.unexpectedByte(b, expected: "',' or '}'"), at: pos)
            }
        }
    }

    // MARK: Numbers

    @inline(__always)
    func isDigit(_ i: Int) -> Bool {
        i < bytes.count && bytes[i] &- UInt8(ascii: "0") < 10
    }

    mutating func parseNumber() throws(JSONError) -> JSONNumber {
        let start = pos
        var negative = false
        if bytes[pos] == UInt8(ascii: "-") {
            negative = true
            pos += 1
        }
        guard pos < bytes.count else { throw JSONError(.unexpectedEnd, at: pos) }
        guard isDigit(pos) else {
            throw JSONError(.invalidNumber("expected a digit after '-'"), at: pos)
        }
        var magnitude: UInt64 = 0
        var overflow = false
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
            if isDigit(pos) { throw JSONError(.invalidNumber("leading zero"), at: start) }
        } else {
            while isDigit(pos) {
                let d = UInt64(bytes[pos] &- UInt8(ascii: "0"))
                let (m, o1) = magnitude.multipliedReportingOverflow(by: 10)
                let (s, o2) = m.addingReportingOverflow(d)
                overflow = overflow || o1 || o2
                magnitude = s
                pos += 1
            }
        }
        var isInteger = true
        if pos < bytes.count && bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            guard isDigit(pos) else {
                throw JSONError(.invalidNumber("expected a digit after '.'"), at: pos)
            }
            while isDigit(pos) { pos += 1 }
            isInteger = false
        }
        if pos < bytes.count && (bytes[pos] | 0x20) == UInt8(ascii: "e") {
            pos += 1
            if pos < bytes.count && (bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-")) {
                pos += 1
            }
            guard isDigit(pos) else {
                throw JSONError(.invalidNumber("expected a digit in the exponent"), at: pos)
            }
            while isDigit(pos) { pos += 1 }
            isInteger = false
        }
        if isInteger && !overflow {
            if !negative, magnitude <= UInt64(Int64.max) { return .int(Int64(magnitude)) }
            if negative, magnitude <= UInt64(Int64.max) + 1 {
                return .int(magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude))
            }
        }
        // Fraction, exponent or beyond Int64: the standard library's correctly rounded
        // conversion. Numbers are short, so this String is a small (inline) one.
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
        guard let d = Double(text), d.isFinite else {
            throw JSONError(.invalidNumber("out of range"), at: start)
        }
        return .double(d)
    }

    // MARK: Strings

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
