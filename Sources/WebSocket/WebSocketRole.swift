/// Which end of the connection this codec speaks for.
///
/// RFC 6455 §5.1: a client MUST mask every frame it sends, a server MUST NOT mask, and
/// each side MUST fail the connection on a frame with the wrong masking. lxattach is a
/// client; the server role exists so tests and the fuzzer can exercise the masked path.
public enum WebSocketRole: Sendable, Hashable {
    /// Sends masked frames, expects unmasked frames.
    case client
    /// Sends unmasked frames, expects masked frames.
    case server

    /// Whether frames this role sends are masked.
    @inlinable
    public var masksOutgoingFrames: Bool { self == .client }

    /// Whether frames this role receives must be masked.
    @inlinable
    public var expectsMaskedFrames: Bool { self == .server }
}
