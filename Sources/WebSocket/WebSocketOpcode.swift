/// A frame's opcode: the low four bits of the first header byte (RFC 6455 §5.2).
///
/// A struct over the wire value rather than an enum so that every 4-bit value is
/// representable; the decoder rejects the reserved ones (§5.2: "If an unknown opcode is
/// received, the receiving endpoint MUST _Fail the WebSocket Connection_").
public struct WebSocketOpcode: Hashable, Sendable, CustomStringConvertible {
    /// The 4-bit wire value (0...15).
    public let rawValue: UInt8

    /// Wraps a wire value; only the low four bits are kept.
    @inlinable
    public init(rawValue: UInt8) {
        self.rawValue = rawValue & 0x0F
    }

    /// Continues a fragmented message (§5.4).
    public static let continuation = WebSocketOpcode(rawValue: 0x0)
    /// First frame of a UTF-8 text message.
    public static let text = WebSocketOpcode(rawValue: 0x1)
    /// First frame of a binary message.
    public static let binary = WebSocketOpcode(rawValue: 0x2)
    /// Close handshake (§5.5.1).
    public static let close = WebSocketOpcode(rawValue: 0x8)
    /// Keepalive request; the peer answers with a pong carrying the same payload (§5.5.2).
    public static let ping = WebSocketOpcode(rawValue: 0x9)
    /// Answer to a ping, or an unsolicited heartbeat (§5.5.3).
    public static let pong = WebSocketOpcode(rawValue: 0xA)

    /// Control frames have the high opcode bit set (§5.5): they may not be fragmented and
    /// carry at most 125 bytes.
    @inlinable
    public var isControl: Bool { rawValue & 0x8 != 0 }

    /// Whether RFC 6455 defines this opcode (the others are reserved, §5.2).
    @inlinable
    public var isDefined: Bool {
        switch rawValue {
        case 0x0, 0x1, 0x2, 0x8, 0x9, 0xA: return true
        default: return false
        }
    }

    public var description: String {
        switch rawValue {
        case 0x0: return "continuation"
        case 0x1: return "text"
        case 0x2: return "binary"
        case 0x8: return "close"
        case 0x9: return "ping"
        case 0xA: return "pong"
        default: return "reserved(0x\(String(rawValue, radix: 16)))"
        }
    }
}
