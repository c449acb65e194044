/// Limits and policy for `WebSocketDecoder` and `WebSocketMessageAssembler`.
///
/// The defaults fit LXD: its data frames are at most 128 KiB (exec output) and its event
/// messages are small JSON texts, so `maxFrameSize` of 1 MiB leaves an 8× margin, and
/// `maxMessageSize` of 16 MiB bounds what the assembler will buffer. The decoder itself
/// streams data payloads, so neither limit is a memory cost of the decoder; they are a
/// defence against a broken or hostile peer (RFC 6455 §10.4), answered with 1009.
public struct WebSocketDecoderConfiguration: Sendable, Hashable {
    /// Which side we are; decides whether incoming frames must be masked (§5.1).
    public var role: WebSocketRole
    /// Largest accepted payload of a single frame. Default 1 MiB.
    public var maxFrameSize: Int
    /// Largest accepted message, summed over its fragments. Default 16 MiB.
    public var maxMessageSize: Int
    /// Reject payload lengths not in their minimal encoding (§5.2 "MUST"). Default true:
    /// LXD (gorilla/websocket) always encodes minimally, so a non-minimal length means a
    /// broken peer.
    public var requireMinimalLengths: Bool
    /// Validate text messages and close reasons as UTF-8 (§8.1). Default true.
    public var validateUTF8: Bool

    /// A configuration; every parameter has the documented default.
    public init(
        role: WebSocketRole = .client,
        maxFrameSize: Int = 1 << 20,
        maxMessageSize: Int = 16 << 20,
        requireMinimalLengths: Bool = true,
        validateUTF8: Bool = true
    ) {
        self.role = role
        self.maxFrameSize = maxFrameSize
        self.maxMessageSize = maxMessageSize
        self.requireMinimalLengths = requireMinimalLengths
        self.validateUTF8 = validateUTF8
    }
}
