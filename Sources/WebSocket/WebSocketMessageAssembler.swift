/// Collects the data chunks of `WebSocketDecoder` into whole messages.
///
/// For callers that want complete messages (LXD's `/1.0/events` stream sends one JSON
/// text message per event); exec data should rather stream the chunks directly.
/// Control frames interleaved inside a fragmented message (§5.4) pass straight through.
/// The decoder streams and so sets no size limit by default; the assembler buffers, so
/// it enforces `maxMessageSize` itself (1009), whatever feeds it.
public struct WebSocketMessageAssembler: Sendable {
    /// The largest message buffered before failing with 1009.
    public let maxMessageSize: Int
    private var buffer: [UInt8] = []
    private var kind: WebSocketMessageKind?

    /// An assembler; the default limit is `WebSocketDecoderConfiguration`'s
    /// `maxBufferedMessageSize` (16 MiB).
    public init(maxMessageSize: Int = WebSocketDecoderConfiguration.defaultMaxBufferedMessageSize) {
        self.maxMessageSize = maxMessageSize
    }

    /// Takes one decoder event; returns a message when one is complete.
    public mutating func push(_ event: WebSocketDecoderEvent) throws(WebSocketProtocolError) -> WebSocketMessage? {
        switch event {
        case .ping(let payload): return .ping(payload)
        case .pong(let payload): return .pong(payload)
        case .close(let frame): return .close(frame)
        case .data(let chunk):
            if chunk.isMessageStart {
                buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
                kind = chunk.kind
            } else if kind == nil {
                throw .continuationWithoutStart
            }
            if chunk.bytes.count > maxMessageSize - buffer.count {
                throw .messageTooLarge(limit: maxMessageSize)
            }
            buffer.append(contentsOf: chunk.bytes)
            guard chunk.isMessageEnd else { return nil }
            let finished = kind
            kind = nil
            if finished == .text {
                return .text(String(decoding: buffer, as: UTF8.self))
            }
            return .binary(buffer)
        }
    }
}
