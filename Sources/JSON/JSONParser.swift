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
}
