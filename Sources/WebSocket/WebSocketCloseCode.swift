/// A close status code (RFC 6455 §7.4, IANA "WebSocket Close Code Number Registry").
///
/// An enum with `.unknown(UInt16)` so that application codes (3000–4999) and future
/// registrations round-trip without loss.
public enum WebSocketCloseCode: Hashable, Sendable, CustomStringConvertible {
    /// 1000: the purpose of the connection has been fulfilled.
    case normalClosure
    /// 1001: the endpoint is going away (server shutdown, page navigation).
    case goingAway
    /// 1002: the peer broke the framing protocol.
    case protocolError
    /// 1003: the endpoint got a data type it cannot accept.
    case unacceptableData
    /// 1005: reserved for "no status code was present"; never sent on the wire.
    case noStatusReceived
    /// 1006: reserved for "the connection dropped without a close frame"; never sent.
    case abnormalClosure
    /// 1007: message data did not match its type (invalid UTF-8 in a text message).
    case invalidFramePayloadData
    /// 1008: a generic policy violation.
    case policyViolation
    /// 1009: a message was too big to process.
    case messageTooBig
    /// 1010: the client expected an extension the server did not negotiate.
    case mandatoryExtension
    /// 1011: the server hit an unexpected condition.
    case internalServerError
    /// Any other code, kept verbatim.
    case unknown(UInt16)

    /// Maps a wire value to a case (known values never land in `.unknown`).
    public init(code: UInt16) {
        switch code {
        case 1000: self = .normalClosure
        case 1001: self = .goingAway
        case 1002: self = .protocolError
        case 1003: self = .unacceptableData
        case 1005: self = .noStatusReceived
        case 1006: self = .abnormalClosure
        case 1007: self = .invalidFramePayloadData
        case 1008: self = .policyViolation
        case 1009: self = .messageTooBig
        case 1010: self = .mandatoryExtension
        case 1011: self = .internalServerError
        default: self = .unknown(code)
        }
    }

    /// The wire value.
    public var code: UInt16 {
        switch self {
        case .normalClosure: return 1000
        case .goingAway: return 1001
        case .protocolError: return 1002
        case .unacceptableData: return 1003
        case .noStatusReceived: return 1005
        case .abnormalClosure: return 1006
        case .invalidFramePayloadData: return 1007
        case .policyViolation: return 1008
        case .messageTooBig: return 1009
        case .mandatoryExtension: return 1010
        case .internalServerError: return 1011
        case .unknown(let code): return code
        }
    }

    /// Whether this code may appear in a close frame on the wire (§7.4.1, §7.4.2):
    /// 1000–1003 and 1007–1014 (1012–1014 were registered with IANA after the RFC),
    /// and the library/application range 3000–4999. Everything else — below 1000,
    /// 1004–1006, 1015, the unassigned 1016–2999 and 5000 and up — is a protocol error.
    public var isValidOnWire: Bool {
        let value = code
        switch value {
        case 1000...1003, 1007...1014, 3000...4999: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .unknown(let code): return "\(code)"
        default: return "\(code) (\(name))"
        }
    }

    private var name: String {
        switch self {
        case .normalClosure: return "normal closure"
        case .goingAway: return "going away"
        case .protocolError: return "protocol error"
        case .unacceptableData: return "unacceptable data"
        case .noStatusReceived: return "no status received"
        case .abnormalClosure: return "abnormal closure"
        case .invalidFramePayloadData: return "invalid frame payload data"
        case .policyViolation: return "policy violation"
        case .messageTooBig: return "message too big"
        case .mandatoryExtension: return "mandatory extension"
        case .internalServerError: return "internal server error"
        case .unknown: return "unknown"
        }
    }
}
