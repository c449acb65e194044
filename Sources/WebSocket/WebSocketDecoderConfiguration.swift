/// Limits and policy for `WebSocketDecoder` and `WebSocketMessageReader`.
///
/// Limits sit only where memory is at stake (RFC 6455 §10.4). The decoder streams data
/// payloads: a frame of any legal size (up to 2^63 − 1 bytes, §5.2) costs it no more
/// memory than the caller's read buffer, so by default it accepts any data frame and any
/// message length. Control payloads are bounded by the protocol itself (125 bytes,
/// §5.5). What does buffer is the message reader (`WebSocketMessageAssembler`), which
/// keeps a whole text or binary message: `maxBufferedMessageSize` bounds it.
/// `maxFrameSize` and `maxMessageSize` remain for a caller that wants a policy limit on
/// streamed data as well; exceeding any limit is answered with 1009.
public struct WebSocketDecoderConfiguration: Sendable, Hashable {
    /// Which side we are; decides whether incoming frames must be masked (§5.1).
    public var role: WebSocketRole
    /// Largest accepted payload of a single data frame; nil (the default) for none.
    public var maxFrameSize: Int?
    /// Largest accepted data message, summed over its fragments, as streamed by the
    /// decoder; nil (the default) for none.
    public var maxMessageSize: Int?
    /// Largest message `WebSocketMessageReader` buffers whole (LXD's `/1.0/events`
    /// messages are small JSON texts). Default 16 MiB.
    public var maxBufferedMessageSize: Int
    /// Reject payload lengths not in their minimal encoding (§5.2 "MUST"). Default true:
    /// LXD (gorilla/websocket) always encodes minimally, so a non-minimal length means a
    /// broken peer.
    public var requireMinimalLengths: Bool
    /// Validate text messages and close reasons as UTF-8 (§8.1). Default true.
    public var validateUTF8: Bool

    /// The default `maxBufferedMessageSize`: 16 MiB.
    public static let defaultMaxBufferedMessageSize = 16 << 20

    /// A configuration; every parameter has the documented default.
    public init(
        role: WebSocketRole = .client,
        maxFrameSize: Int? = nil,
        maxMessageSize: Int? = nil,
        maxBufferedMessageSize: Int = defaultMaxBufferedMessageSize,
        requireMinimalLengths: Bool = true,
        validateUTF8: Bool = true
    ) {
        self.role = role
        self.maxFrameSize = maxFrameSize
        self.maxMessageSize = maxMessageSize
        self.maxBufferedMessageSize = maxBufferedMessageSize
        self.requireMinimalLengths = requireMinimalLengths
        self.validateUTF8 = validateUTF8
    }
}
