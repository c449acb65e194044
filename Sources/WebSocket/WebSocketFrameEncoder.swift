/// Builds frames to send (RFC 6455 §5.2), masking them with a fresh key when the role
/// is client (§5.3).
///
/// Two layers: static zero-copy primitives for the I/O path (write a header into
/// headroom before a payload that is already in the send buffer, then mask in place),
/// and convenient builders returning `[UInt8]` for control frames and tests.
public struct WebSocketFrameEncoder: Sendable {
    /// Client frames are masked, server frames are not.
    public let role: WebSocketRole
    private var keys = WebSocketMaskingKeyGenerator()

    /// Headroom that fits any header: reserve this many bytes before a payload to use
    /// `encodeInPlace`.
    public static let maxHeaderLength = WebSocketFrameHeader.maxLength

    /// An encoder for `role` (default client).
    public init(role: WebSocketRole = .client) {
        self.role = role
    }

    // MARK: Zero-copy primitives

    /// The size of the header for a payload of `payloadCount` bytes: 2, 4 or 10 bytes
    /// (7-, 16- or 64-bit length, §5.2) plus 4 for the masking key.
    @inlinable
    public static func headerLength(payloadCount: Int, masked: Bool) -> Int {
        WebSocketFrameHeader.length(payloadCount: payloadCount, masked: masked)
    }

    /// Writes a header at the start of `buffer` and returns its length.
    /// `buffer` must hold `headerLength(payloadCount:masked:)` bytes.
    @inlinable
    @discardableResult
    public static func writeHeader(
        into buffer: UnsafeMutableRawBufferPointer,
        opcode: WebSocketOpcode,
        fin: Bool,
        payloadCount: Int,
        maskKey: WebSocketMaskingKey?
    ) -> Int {
        WebSocketFrameHeader(fin: fin, opcode: opcode, maskKey: maskKey, payloadLength: payloadCount)
            .write(into: buffer)
    }

    /// XOR-masks `buffer` in place; `offset` is `buffer[0]`'s position in the payload.
    @inlinable
    public static func mask(_ buffer: UnsafeMutableRawBufferPointer, key: WebSocketMaskingKey, startingAt offset: Int = 0) {
        WebSocketMasking.mask(buffer, key: key, startingAt: offset)
    }

    /// The next masking key for a frame: fresh from the CSPRNG for a client, nil for a
    /// server.
    public mutating func nextMaskKey() -> WebSocketMaskingKey? {
        role.masksOutgoingFrames ? keys.next() : nil
    }

    /// Turns a payload already in `buffer` at `payloadOffset..<payloadOffset+payloadCount`
    /// into a frame without copying: writes the header into the headroom just before the
    /// payload and masks the payload in place. Returns the frame's byte range in
    /// `buffer`. `payloadOffset` must be at least `headerLength(...)`
    /// (`maxHeaderLength` always suffices).
    public mutating func encodeInPlace(
        _ buffer: UnsafeMutableRawBufferPointer,
        payloadOffset: Int,
        payloadCount: Int,
        opcode: WebSocketOpcode,
        fin: Bool = true
    ) -> Range<Int> {
        let key = nextMaskKey()
        let headerCount = Self.headerLength(payloadCount: payloadCount, masked: key != nil)
        precondition(payloadOffset >= headerCount, "not enough headroom for the frame header")
        precondition(payloadOffset + payloadCount <= buffer.count, "payload outside the buffer")
        let start = payloadOffset - headerCount
        Self.writeHeader(
            into: UnsafeMutableRawBufferPointer(rebasing: buffer[start..<payloadOffset]),
            opcode: opcode, fin: fin, payloadCount: payloadCount, maskKey: key)
        if let key {
            Self.mask(UnsafeMutableRawBufferPointer(rebasing: buffer[payloadOffset..<(payloadOffset + payloadCount)]), key: key)
        }
        return start..<(payloadOffset + payloadCount)
    }

    // MARK: Builders

    /// One frame with an explicit key (nil: unmasked); deterministic, for tests and
    /// callers that manage keys themselves.
    public static func encode(
        opcode: WebSocketOpcode,
        fin: Bool = true,
        payload: UnsafeRawBufferPointer,
        maskKey: WebSocketMaskingKey?
    ) -> [UInt8] {
        let count = payload.count
        let headerCount = headerLength(payloadCount: count, masked: maskKey != nil)
        return [UInt8](unsafeUninitializedCapacity: headerCount + count) { storage, initialized in
            let raw = UnsafeMutableRawBufferPointer(storage)
            writeHeader(into: raw, opcode: opcode, fin: fin, payloadCount: count, maskKey: maskKey)
            let body = UnsafeMutableRawBufferPointer(rebasing: raw[headerCount...])
            if count > 0 { body.copyMemory(from: payload) }
            if let maskKey { mask(body, key: maskKey) }
            initialized = headerCount + count
        }
    }

    /// One frame with an explicit key (nil: unmasked).
    public static func encode(opcode: WebSocketOpcode, fin: Bool = true, payload: [UInt8], maskKey: WebSocketMaskingKey?) -> [UInt8] {
        payload.withUnsafeBytes { encode(opcode: opcode, fin: fin, payload: $0, maskKey: maskKey) }
    }

    /// One frame, masked with a fresh key if this is a client.
    public mutating func encode(opcode: WebSocketOpcode, fin: Bool = true, payload: [UInt8]) -> [UInt8] {
        Self.encode(opcode: opcode, fin: fin, payload: payload, maskKey: nextMaskKey())
    }

    /// A single-frame text message.
    public mutating func text(_ string: String) -> [UInt8] {
        encode(opcode: .text, payload: Array(string.utf8))
    }

    /// A single-frame binary message.
    public mutating func binary(_ bytes: [UInt8]) -> [UInt8] {
        encode(opcode: .binary, payload: bytes)
    }

    /// A ping; `payload` must be at most 125 bytes (§5.5).
    public mutating func ping(_ payload: [UInt8] = []) -> [UInt8] {
        precondition(payload.count <= 125, "control frame payload over 125 bytes")
        return encode(opcode: .ping, payload: payload)
    }

    /// A pong echoing a ping's `payload` (§5.5.3); at most 125 bytes.
    public mutating func pong(_ payload: [UInt8]) -> [UInt8] {
        precondition(payload.count <= 125, "control frame payload over 125 bytes")
        return encode(opcode: .pong, payload: payload)
    }

    /// A close frame (§5.5.1). A nil code sends an empty payload; a reason that would
    /// exceed the 125-byte limit is cut at a character boundary.
    public mutating func close(code: WebSocketCloseCode?, reason: String = "") -> [UInt8] {
        encode(opcode: .close, payload: WebSocketCloseFrame(code: code, reason: reason).payload)
    }

    /// A close frame for `frame`.
    public mutating func close(_ frame: WebSocketCloseFrame) -> [UInt8] {
        encode(opcode: .close, payload: frame.payload)
    }

    /// A data message split into frames of at most `maxFrameSize` payload bytes (§5.4):
    /// the first frame carries the opcode, the rest are continuations, the last has
    /// FIN. An empty payload is one empty frame. Each frame gets its own key.
    public mutating func fragments(kind: WebSocketMessageKind, payload: [UInt8], maxFrameSize: Int) -> [[UInt8]] {
        precondition(maxFrameSize > 0, "maxFrameSize must be positive")
        let opcode: WebSocketOpcode = kind == .text ? .text : .binary
        if payload.count <= maxFrameSize { return [encode(opcode: opcode, payload: payload)] }
        var frames: [[UInt8]] = []
        frames.reserveCapacity((payload.count + maxFrameSize - 1) / maxFrameSize)
        payload.withUnsafeBytes { all in
            var start = 0
            while start < all.count {
                let end = min(start + maxFrameSize, all.count)
                let piece = UnsafeRawBufferPointer(rebasing: all[start..<end])
                frames.append(Self.encode(
                    opcode: start == 0 ? opcode : .continuation, fin: end == all.count,
                    payload: piece, maskKey: nextMaskKey()))
                start = end
            }
        }
        return frames
    }
}
