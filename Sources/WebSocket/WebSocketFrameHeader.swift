/// A frame header (RFC 6455 §5.2): FIN, RSV1-3, opcode, mask, payload length.
///
/// FIN, RSV and the opcode live packed in `firstByte`, exactly as on the wire; the
/// other properties are computed from it. The payload length uses the shortest of the
/// three encodings (7-bit, 16-bit, 64-bit) as §5.2 requires.
public struct WebSocketFrameHeader: Hashable, Sendable {
    /// The first wire byte: FIN (0x80), RSV1-3 (0x70), opcode (0x0F).
    public var firstByte: UInt8
    /// The masking key, present exactly when the MASK bit is set.
    public var maskKey: WebSocketMaskingKey?
    /// Payload length in bytes.
    public var payloadLength: Int

    /// The longest header: 2 + 8 (64-bit length) + 4 (mask).
    public static let maxLength = 14

    /// A header from its fields; `rsv` is the three RSV bits as a 3-bit number (RSV1 high).
    @inlinable
    public init(fin: Bool, rsv: UInt8 = 0, opcode: WebSocketOpcode, maskKey: WebSocketMaskingKey?, payloadLength: Int) {
        precondition(payloadLength >= 0, "negative payload length")
        firstByte = (fin ? 0x80 : 0) | (rsv & 0x7) << 4 | opcode.rawValue
        self.maskKey = maskKey
        self.payloadLength = payloadLength
    }

    /// The final fragment of a message (or its only frame).
    @inlinable public var fin: Bool { firstByte & 0x80 != 0 }
    /// The three RSV bits (RSV1 = 4, RSV2 = 2, RSV3 = 1); non-zero only with an extension.
    @inlinable public var rsv: UInt8 { (firstByte >> 4) & 0x7 }
    /// The opcode.
    @inlinable public var opcode: WebSocketOpcode { WebSocketOpcode(rawValue: firstByte) }
    /// Whether the MASK bit is set.
    @inlinable public var isMasked: Bool { maskKey != nil }

    /// This header's encoded size.
    @inlinable
    public var length: Int { Self.length(payloadCount: payloadLength, masked: isMasked) }

    /// The encoded size of a header for a payload of `payloadCount` bytes: 2, 4 or 10,
    /// plus 4 when masked.
    @inlinable
    public static func length(payloadCount: Int, masked: Bool) -> Int {
        let base: Int
        if payloadCount <= 125 { base = 2 } else if payloadCount <= 0xFFFF { base = 4 } else { base = 10 }
        return masked ? base + 4 : base
    }

    /// Writes the header at the start of `buffer` and returns its length.
    /// `buffer` must hold at least `length` bytes.
    @inlinable
    @discardableResult
    public func write(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let count = length
        precondition(buffer.count >= count, "header buffer too small")
        buffer[0] = firstByte
        let maskBit: UInt8 = maskKey == nil ? 0 : 0x80
        var i: Int
        if payloadLength <= 125 {
            buffer[1] = maskBit | UInt8(payloadLength)
            i = 2
        } else if payloadLength <= 0xFFFF {
            buffer[1] = maskBit | 126
            buffer[2] = UInt8(truncatingIfNeeded: payloadLength >> 8)
            buffer[3] = UInt8(truncatingIfNeeded: payloadLength)
            i = 4
        } else {
            buffer[1] = maskBit | 127
            let length = UInt64(payloadLength)
            for j in 0..<8 {
                buffer[2 + j] = UInt8(truncatingIfNeeded: length >> UInt64(56 - 8 * j))
            }
            i = 10
        }
        if let key = maskKey {
            buffer[i] = key[0]
            buffer[i + 1] = key[1]
            buffer[i + 2] = key[2]
            buffer[i + 3] = key[3]
            i += 4
        }
        return i
    }

    /// The encoded header as bytes.
    public var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: Self.maxLength) { buffer, initialized in
            initialized = write(into: UnsafeMutableRawBufferPointer(buffer))
        }
    }
}

extension WebSocketFrameHeader {
    /// Outcome of looking at the start of a frame.
    @usableFromInline
    enum ParseResult {
        /// At least this many header bytes are needed in total.
        case needMore(Int)
        /// A complete header of `length` bytes; `minimal` is false when the length used a
        /// longer encoding than required (§5.2 forbids that). `lengthOverflow` marks a
        /// 64-bit length with the most significant bit set (also forbidden by §5.2).
        case header(WebSocketFrameHeader, length: Int, minimal: Bool, lengthOverflow: Bool)
    }

    /// Parses a header from the start of `bytes` without validating it.
    @usableFromInline
    static func parse(_ bytes: UnsafeRawBufferPointer) -> ParseResult {
        let available = bytes.count
        if available < 2 { return .needMore(2) }
        let b0 = bytes[0], b1 = bytes[1]
        let masked = b1 & 0x80 != 0
        let short = b1 & 0x7F
        let extra = short == 126 ? 2 : (short == 127 ? 8 : 0)
        let total = 2 + extra + (masked ? 4 : 0)
        if available < total { return .needMore(total) }
        var length: UInt64
        var minimal = true
        switch short {
        case 126:
            length = UInt64(bytes[2]) << 8 | UInt64(bytes[3])
            minimal = length > 125
        case 127:
            length = 0
            for j in 0..<8 { length = length << 8 | UInt64(bytes[2 + j]) }
            minimal = length > 0xFFFF
        default:
            length = UInt64(short)
        }
        let overflow = length > UInt64(Int.max)
        var key: WebSocketMaskingKey?
        if masked {
            let k = 2 + extra
            key = WebSocketMaskingKey(bytes[k], bytes[k + 1], bytes[k + 2], bytes[k + 3])
        }
        var header = WebSocketFrameHeader(fin: false, opcode: .continuation, maskKey: key, payloadLength: overflow ? 0 : Int(length))
        header.firstByte = b0
        return .header(header, length: total, minimal: minimal, lengthOverflow: overflow)
    }
}
