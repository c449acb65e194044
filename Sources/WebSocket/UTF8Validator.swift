/// Incremental UTF-8 validation (RFC 3629) for text messages that arrive in pieces.
///
/// RFC 6455 §8.1 requires failing the connection on invalid UTF-8 in a text message, and
/// a code point may be split across chunks and fragments, so the validator carries the
/// state of an unfinished sequence between calls. Runs of ASCII are checked eight bytes
/// at a time. Rejects overlong forms, surrogates (U+D800–DFFF) and values above U+10FFFF.
public struct UTF8Validator: Sendable, Hashable {
    /// Continuation bytes still expected for the current sequence.
    private var remaining: UInt8 = 0
    /// Allowed range of the next continuation byte (narrower than 80–BF right after
    /// E0, ED, F0 and F4).
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    /// A validator at the start of a text.
    public init() {}

    /// True when no multi-byte sequence is open: a message may end here.
    @inlinable
    public var isComplete: Bool { remainingCount == 0 }

    @usableFromInline
    var remainingCount: UInt8 { remaining }

    /// Forgets any open sequence.
    public mutating func reset() {
        self = UTF8Validator()
    }

    /// Checks the next bytes; returns false at the first invalid byte (the validator is
    /// then in an unspecified state until `reset()`).
    public mutating func validate(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var i = 0
        var remaining = self.remaining
        var lower = self.lower
        var upper = self.upper
        defer {
            self.remaining = remaining
            self.lower = lower
            self.upper = upper
        }
        while i < count {
            if remaining == 0 {
                // ASCII fast path: 16, then 8 bytes at a time.
                while i &+ 16 <= count {
                    let a = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    let b = base.loadUnaligned(fromByteOffset: i &+ 8, as: UInt64.self)
                    if (a | b) & 0x8080_8080_8080_8080 != 0 { break }
                    i &+= 16
                }
                while i &+ 8 <= count {
                    let a = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                    if a & 0x8080_8080_8080_8080 != 0 { break }
                    i &+= 8
                }
                if i == count { return true }
                let byte = base.load(fromByteOffset: i, as: UInt8.self)
                i &+= 1
                switch byte {
                case 0x00...0x7F:
                    continue
                case 0xC2...0xDF:
                    remaining = 1; lower = 0x80; upper = 0xBF
                case 0xE0:
                    remaining = 2; lower = 0xA0; upper = 0xBF
                case 0xE1...0xEC, 0xEE...0xEF:
                    remaining = 2; lower = 0x80; upper = 0xBF
                case 0xED:
                    remaining = 2; lower = 0x80; upper = 0x9F
                case 0xF0:
                    remaining = 3; lower = 0x90; upper = 0xBF
                case 0xF1...0xF3:
                    remaining = 3; lower = 0x80; upper = 0xBF
                case 0xF4:
                    remaining = 3; lower = 0x80; upper = 0x8F
                default:
                    return false
                }
            } else {
                let byte = base.load(fromByteOffset: i, as: UInt8.self)
                i &+= 1
                if byte < lower || byte > upper { return false }
                remaining &-= 1
                lower = 0x80
                upper = 0xBF
            }
        }
        return true
    }

    /// Convenience for whole byte arrays (close reasons, tests).
    public static func isValid(_ bytes: some Sequence<UInt8>) -> Bool {
        var validator = UTF8Validator()
        let array = Array(bytes)
        let ok = array.withUnsafeBytes { validator.validate($0) }
        return ok && validator.isComplete
    }
}
