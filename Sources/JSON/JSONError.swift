/// Why a JSON text was rejected, and where (a byte offset into the input).
public struct JSONError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        /// The input ended inside a value (or was empty).
        case unexpectedEnd
        /// A byte that cannot start or continue the value at this point.
        case unexpectedByte(UInt8, expected: String)
        /// `tru`, `nul`, `falsy`...
        case invalidLiteral
        /// A number such as `01`, `-`, `1.`, `1e`, `.5`, `+1`.
        case invalidNumber(String)
        /// A backslash escape other than `\" \\ \/ \b \f \n \r \t \uXXXX`.
        case invalidEscape
        /// `\u` not followed by four hex digits.
        case invalidUnicodeEscape
        /// A `\uD800`-`\uDFFF` escape not forming a high+low surrogate pair.
        case unpairedSurrogate
        /// A raw byte below 0x20 inside a string (must be escaped).
        case controlCharacterInString(UInt8)
        /// Bytes that are not well-formed UTF-8 (RFC 3629).
        case invalidUTF8
        /// Something other than whitespace after the top-level value.
        case trailingCharacters
        /// Arrays/objects nested deeper than the parser's limit.
        case depthLimitExceeded(Int)
    }

    public var reason: Reason
    /// Byte offset of the offending input.
    public var offset: Int

    public init(_ reason: Reason, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        let what: String
        switch reason {
        case .unexpectedEnd: what = "unexpected end of input"
        case .unexpectedByte(let b, let expected):
            what = "unexpected \(JSONError.show(b)), expected \(expected)"
        case .invalidLiteral: what = "invalid literal (expected true, false or null)"
        case .invalidNumber(let why): what = "invalid number: \(why)"
        case .invalidEscape: what = "invalid escape sequence in string"
        case .invalidUnicodeEscape: what = "invalid \\u escape (need four hex digits)"
        case .unpairedSurrogate: what = "unpaired UTF-16 surrogate in \\u escape"
        case .controlCharacterInString(let b):
            what = "unescaped control character \(JSONError.show(b)) in string"
        case .invalidUTF8: what = "invalid UTF-8"
        case .trailingCharacters: what = "unexpected characters after the JSON value"
        case .depthLimitExceeded(let n): what = "nesting deeper than \(n) levels"
        }
        return "invalid JSON at offset \(offset): \(what)"
    }

    static func show(_ b: UInt8) -> String {
        if b >= 0x21 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        let hex = String(b, radix: 16, uppercase: true)
        return "byte 0x" + (hex.count < 2 ? "0" + hex : hex)
    }
}
