/// The kind of a data message, fixed by its first frame's opcode (§5.6).
public enum WebSocketMessageKind: Sendable, Hashable {
    /// A text message (UTF-8).
    case text
    /// A binary message.
    case binary
}

/// A piece of a data message, delivered as soon as its bytes arrive.
///
/// `bytes` points into the buffer passed to `WebSocketDecoder.parseStep`, already
/// unmasked (and, for text, validated as UTF-8 so far); it is valid only until that
/// buffer is reused. A message is the chunks from one with `isMessageStart` to one with
/// `isMessageEnd` (possibly the same chunk). A chunk may be empty (an empty frame).
/// Not `Sendable`: it borrows the caller's buffer; copy `bytes` to keep or send them.
public struct WebSocketDataChunk {
    /// Text or binary, from the message's first frame.
    public var kind: WebSocketMessageKind
    /// The payload bytes of this chunk.
    public var bytes: UnsafeRawBufferPointer
    /// The first chunk of a message.
    public var isMessageStart: Bool
    /// The last chunk of a message: FIN was set and the frame's payload is complete.
    public var isMessageEnd: Bool

    /// A chunk with these fields.
    @inlinable
    public init(kind: WebSocketMessageKind, bytes: UnsafeRawBufferPointer, isMessageStart: Bool, isMessageEnd: Bool) {
        self.kind = kind
        self.bytes = bytes
        self.isMessageStart = isMessageStart
        self.isMessageEnd = isMessageEnd
    }
}

/// The payload of a close frame (§5.5.1): an optional status code and a UTF-8 reason.
public struct WebSocketCloseFrame: Hashable, Sendable {
    /// The status code; nil when the frame had no payload (reported as 1005 locally).
    public var code: WebSocketCloseCode?
    /// The reason text; empty when absent.
    public var reason: String

    /// A close frame with an optional code and a reason.
    public init(code: WebSocketCloseCode?, reason: String = "") {
        self.code = code
        self.reason = reason
    }

    /// Parses and validates a received close payload: length 1 is malformed, the code
    /// must be valid on the wire (§7.4), and the reason must be UTF-8 (§5.5.1).
    public init(payload: [UInt8], validateUTF8: Bool = true) throws(WebSocketProtocolError) {
        if payload.isEmpty {
            self.init(code: nil)
            return
        }
        if payload.count == 1 { throw .closePayloadOfLengthOne }
        let raw = UInt16(payload[0]) << 8 | UInt16(payload[1])
        let code = WebSocketCloseCode(code: raw)
        guard code.isValidOnWire else { throw .invalidCloseCode(raw) }
        let reasonBytes = payload[2...]
        if validateUTF8 && !UTF8Validator.isValid(reasonBytes) { throw .invalidUTF8InCloseReason }
        self.init(code: code, reason: String(decoding: reasonBytes, as: UTF8.self))
    }

    /// The wire payload: the code in network order, then the reason. A reason longer
    /// than 123 bytes is cut at a character boundary so the frame stays within the
    /// 125-byte control limit (§5.5).
    public var payload: [UInt8] {
        guard let code else { return [] }
        var bytes: [UInt8] = [UInt8(code.code >> 8), UInt8(code.code & 0xFF)]
        var used = 0
        for scalar in reason.unicodeScalars {
            let utf8 = Array(String(scalar).utf8)
            if used + utf8.count > 123 { break }
            bytes.append(contentsOf: utf8)
            used += utf8.count
        }
        return bytes
    }
}

/// What `WebSocketDecoder.parseStep` found. Not `Sendable`: `.data` borrows the
/// caller's buffer (see `WebSocketDataChunk`).
public enum WebSocketDecoderEvent {
    /// Part (or all) of a text or binary message.
    case data(WebSocketDataChunk)
    /// A ping; answer with a pong carrying the same payload (§5.5.2).
    case ping([UInt8])
    /// A pong.
    case pong([UInt8])
    /// A validated close frame (§5.5.1).
    case close(WebSocketCloseFrame)
}
