/// A whole message or control frame, as produced by `WebSocketMessageAssembler`.
public enum WebSocketMessage: Hashable, Sendable {
    /// A complete, validated text message.
    case text(String)
    /// A complete binary message.
    case binary([UInt8])
    /// A ping with its payload.
    case ping([UInt8])
    /// A pong with its payload.
    case pong([UInt8])
    /// A close frame.
    case close(WebSocketCloseFrame)
}
