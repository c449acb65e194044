/// A rule of RFC 6455 broken by the peer; the connection must be failed (§7.1.7) with
/// `closeCode`.
///
/// A public struct over a private enum so new rules can be added without breaking
/// callers. Compare against the static members (`error == .reservedBitsSet`) or read
/// `closeCode`.
public struct WebSocketProtocolError: Error, Hashable, Sendable, CustomStringConvertible {
    private enum Rule: Hashable, Sendable {
        case reservedBitsSet
        case unknownOpcode(UInt8)
        case maskedFrameFromServer
        case unmaskedFrameFromClient
        case nonMinimalLength
        case lengthOverflow
        case controlFrameTooLong(Int)
        case fragmentedControlFrame
        case continuationWithoutStart
        case dataFrameInsideFragmentedMessage
        case invalidUTF8
        case invalidUTF8InCloseReason
        case invalidCloseCode(UInt16)
        case closePayloadOfLengthOne
        case frameTooLarge(limit: Int)
        case messageTooLarge(limit: Int)
    }

    private let rule: Rule
    private init(_ rule: Rule) { self.rule = rule }

    /// RSV1-3 set although no extension was negotiated (§5.2).
    public static let reservedBitsSet = Self(.reservedBitsSet)
    /// A reserved opcode, 0x3-0x7 or 0xB-0xF (§5.2).
    public static func unknownOpcode(_ opcode: UInt8) -> Self { Self(.unknownOpcode(opcode)) }
    /// A masked frame reached a client (§5.1).
    public static let maskedFrameFromServer = Self(.maskedFrameFromServer)
    /// An unmasked frame reached a server (§5.1).
    public static let unmaskedFrameFromClient = Self(.unmaskedFrameFromClient)
    /// A payload length in a longer encoding than needed (§5.2, "the minimal number of
    /// bytes MUST be used").
    public static let nonMinimalLength = Self(.nonMinimalLength)
    /// A 64-bit payload length with the most significant bit set (§5.2).
    public static let lengthOverflow = Self(.lengthOverflow)
    /// A control frame with more than 125 payload bytes (§5.5).
    public static func controlFrameTooLong(_ length: Int) -> Self { Self(.controlFrameTooLong(length)) }
    /// A control frame without FIN (§5.5: "Control frames MUST NOT be fragmented").
    public static let fragmentedControlFrame = Self(.fragmentedControlFrame)
    /// A continuation frame with no message in progress (§5.4).
    public static let continuationWithoutStart = Self(.continuationWithoutStart)
    /// A text or binary frame while a fragmented message is still open (§5.4).
    public static let dataFrameInsideFragmentedMessage = Self(.dataFrameInsideFragmentedMessage)
    /// A text message that is not valid UTF-8 (§5.6, §8.1).
    public static let invalidUTF8 = Self(.invalidUTF8)
    /// A close reason that is not valid UTF-8 (§5.5.1).
    public static let invalidUTF8InCloseReason = Self(.invalidUTF8InCloseReason)
    /// A close code that may not be sent on the wire (§7.4).
    public static func invalidCloseCode(_ code: UInt16) -> Self { Self(.invalidCloseCode(code)) }
    /// A close payload of one byte: a status code is two bytes (§5.5.1).
    public static let closePayloadOfLengthOne = Self(.closePayloadOfLengthOne)
    /// A frame larger than the configured `maxFrameSize` (§10.4).
    public static func frameTooLarge(limit: Int) -> Self { Self(.frameTooLarge(limit: limit)) }
    /// A message larger than the configured `maxMessageSize` (§10.4).
    public static func messageTooLarge(limit: Int) -> Self { Self(.messageTooLarge(limit: limit)) }

    /// The close code to fail the connection with. This is the one place where RFC rules
    /// meet close codes: framing errors are 1002, bad text data 1007, size limits 1009.
    public var closeCode: WebSocketCloseCode {
        switch rule {
        case .reservedBitsSet, .unknownOpcode, .maskedFrameFromServer, .unmaskedFrameFromClient,
            .nonMinimalLength, .lengthOverflow, .controlFrameTooLong, .fragmentedControlFrame,
            .continuationWithoutStart, .dataFrameInsideFragmentedMessage, .invalidCloseCode,
            .closePayloadOfLengthOne:
            return .protocolError
        case .invalidUTF8, .invalidUTF8InCloseReason:
            return .invalidFramePayloadData
        case .frameTooLarge, .messageTooLarge:
            return .messageTooBig
        }
    }

    public var description: String {
        switch rule {
        case .reservedBitsSet: return "websocket peer set reserved header bits without an extension"
        case .unknownOpcode(let op): return "websocket peer sent a frame with reserved opcode 0x\(String(op, radix: 16))"
        case .maskedFrameFromServer: return "websocket server sent a masked frame"
        case .unmaskedFrameFromClient: return "websocket client sent an unmasked frame"
        case .nonMinimalLength: return "websocket peer encoded a payload length with more bytes than needed"
        case .lengthOverflow: return "websocket peer sent a 64-bit payload length with the top bit set"
        case .controlFrameTooLong(let n): return "websocket peer sent a control frame of \(n) bytes (limit 125)"
        case .fragmentedControlFrame: return "websocket peer sent a fragmented control frame"
        case .continuationWithoutStart: return "websocket peer sent a continuation frame outside a fragmented message"
        case .dataFrameInsideFragmentedMessage: return "websocket peer started a new message inside a fragmented one"
        case .invalidUTF8: return "websocket peer sent a text message that is not valid UTF-8"
        case .invalidUTF8InCloseReason: return "websocket peer sent a close reason that is not valid UTF-8"
        case .invalidCloseCode(let c): return "websocket peer sent invalid close code \(c)"
        case .closePayloadOfLengthOne: return "websocket peer sent a close frame with a 1-byte payload"
        case .frameTooLarge(let limit): return "websocket peer sent a frame larger than \(limit) bytes"
        case .messageTooLarge(let limit): return "websocket peer sent a message larger than \(limit) bytes"
        }
    }
}
