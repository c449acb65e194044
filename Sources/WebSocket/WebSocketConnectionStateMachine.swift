/// Ping/pong and the close handshake (RFC 6455 §5.5, §7), as a pure state machine.
///
/// The I/O loop reports what happened and performs the returned action; the machine
/// never touches a socket, so every path is unit-testable.
public struct WebSocketConnectionStateMachine: Sendable {
    /// Where the connection is in its life.
    public enum State: Sendable, Hashable {
        /// Data flows both ways.
        case open
        /// We sent a close frame and wait for the peer's (§7.1.2).
        case closing
        /// Both close frames were exchanged, or the connection failed or dropped.
        case closed
    }

    /// What the I/O layer must do next.
    public enum Action: Sendable, Hashable {
        /// Nothing.
        case none
        /// Send a pong with this payload (§5.5.2: the same "Application data" as the ping).
        case sendPong([UInt8])
        /// Send a ping with this payload (keepalive).
        case sendPing([UInt8])
        /// Send this close frame and keep reading until the peer's close (§7.1.2).
        case sendClose(WebSocketCloseFrame)
        /// Send this close frame, then the handshake is over: stop sending and close the
        /// TCP connection once the server has closed it or a timeout passes (§7.1.1:
        /// the server closes first).
        case sendCloseAndShutdown(WebSocketCloseFrame)
        /// The handshake is complete; close the TCP connection (after the server, §7.1.1).
        case shutdown
        /// A close was already sent; nothing more to send.
        case alreadyClosing
        /// The connection is already closed.
        case alreadyClosed
    }

    /// The current state.
    public private(set) var state: State = .open
    /// The close frame the peer sent, once one arrived.
    public private(set) var receivedClose: WebSocketCloseFrame?
    /// The payload of our last ping still waiting for its pong.
    public private(set) var outstandingPing: [UInt8]?

    /// An open connection.
    public init() {}

    /// Whether data frames may still be sent (§5.5.1: not after sending a close).
    public var canSendData: Bool { state == .open }

    /// A ping arrived.
    public mutating func receivedPing(_ payload: [UInt8]) -> Action {
        state == .open ? .sendPong(payload) : .none
    }

    /// A pong arrived; clears the outstanding ping if it matches (§5.5.3: a pong may also
    /// be unsolicited, which is not an error).
    public mutating func receivedPong(_ payload: [UInt8]) -> Action {
        if outstandingPing == payload { outstandingPing = nil }
        return .none
    }

    /// We want to send a keepalive ping.
    public mutating func sendPing(_ payload: [UInt8] = []) -> Action {
        guard state == .open else { return .none }
        outstandingPing = payload
        return .sendPing(payload)
    }

    /// A close frame arrived. When open, reply echoing its code (§5.5.1: "it typically
    /// echos the status code it received"; no code → an empty close).
    public mutating func receivedClose(_ frame: WebSocketCloseFrame) -> Action {
        switch state {
        case .open:
            receivedClose = frame
            state = .closed
            return .sendCloseAndShutdown(WebSocketCloseFrame(code: frame.code))
        case .closing:
            receivedClose = frame
            state = .closed
            return .shutdown
        case .closed:
            return .alreadyClosed
        }
    }

    /// We want to close (§7.1.2): send a close frame and wait for the peer's.
    public mutating func close(code: WebSocketCloseCode? = .normalClosure, reason: String = "") -> Action {
        switch state {
        case .open:
            state = .closing
            return .sendClose(WebSocketCloseFrame(code: code, reason: reason))
        case .closing:
            return .alreadyClosing
        case .closed:
            return .alreadyClosed
        }
    }

    /// The decoder found a protocol error: fail the connection (§7.1.7) with its close
    /// code, unless a close was already sent.
    public mutating func failed(_ error: WebSocketProtocolError) -> Action {
        switch state {
        case .open:
            state = .closed
            return .sendCloseAndShutdown(WebSocketCloseFrame(code: error.closeCode))
        case .closing:
            state = .closed
            return .shutdown
        case .closed:
            return .alreadyClosed
        }
    }

    /// The TCP connection ended (EOF or error). Returns true when the close handshake had
    /// completed, i.e. the closure was clean (§7.1.4); otherwise it is 1006.
    public mutating func connectionEnded() -> Bool {
        let clean = receivedClose != nil
        state = .closed
        return clean
    }
}
