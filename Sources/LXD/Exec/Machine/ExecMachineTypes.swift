import WebSocket

/// Time as the exec machine sees it: monotonic nanoseconds, passed in with every event.
/// The machine never reads a clock.
public typealias ExecInstant = UInt64

/// A frame the machine wants sent on one of the session's websockets.
public enum ExecFrame: Sendable, Hashable {
    /// A binary message (interactive end of input: Ctrl-D).
    case binary([UInt8])
    /// A text message: LXD's barrier when empty; control messages (JSON) otherwise.
    case text([UInt8])
    /// A ping, with its payload.
    case ping([UInt8])
    /// A pong answering a ping's payload.
    case pong([UInt8])
    /// A close frame.
    case close(WebSocketCloseFrame)

    /// The empty text message that ends a stream (protocol notes §4).
    public static let barrier = ExecFrame.text([])
}

/// What the driver must do after an event.
public enum ExecAction: Sendable, Equatable {
    /// Encode and queue this frame on this websocket.
    case send(ExecStream, ExecFrame)
    /// The websocket's close handshake is over (or it failed): flush what is queued and
    /// close the connection; read nothing more from it.
    case closeSocket(ExecStream)
    /// Ask the daemon for the operation (`GET /1.0/operations/<id>/wait?timeout=N`, N =
    /// `Configuration.resultLookup`) and report with `resultLookedUp` / `lookupFailed`.
    case lookUpResult
    /// The session is over. Flush briefly, close every socket, report the outcome.
    case finish(ExecOutcome)
}

/// What the driver does with a chunk of websocket payload it has just decoded.
public enum ExecDataDisposition: Sendable, Equatable {
    /// Write it to local stdout (interactive output too) or stderr.
    case deliver(ExecStream)
    /// Drop it (after the end, after a kill, or data where none belongs).
    case discard
}

/// The machine's view of the exec operation, from `/wait` or a lookup.
public struct ExecOperationState: Sendable, Equatable {
    /// Final: Success, Failure or Cancelled (status code ≥ 200).
    public var isFinal: Bool
    /// `metadata.return`, when set.
    public var exitStatus: Int?
    /// `status_code` and `status` (e.g. 400, "Failure").
    public var statusCode: Int
    /// The operation's `status`.
    public var status: String
    /// `err` (e.g. "Command not found").
    public var err: String

    /// A state with these fields.
    public init(isFinal: Bool, exitStatus: Int?, statusCode: Int, status: String, err: String = "") {
        self.isFinal = isFinal
        self.exitStatus = exitStatus
        self.statusCode = statusCode
        self.status = status
        self.err = err
    }
}

/// How a session ended, as the machine decided it.
public enum ExecOutcome: Sendable, Equatable {
    /// It ran to its end.
    case completed(ExecCompletion)
    /// It could not run to its end.
    case failed(ExecSessionError)
}

/// A session that ran to its end (the command's status may still be unknown when our
/// output was closed).
public struct ExecCompletion: Sendable, Equatable {
    /// The command's exit status: 0–255, 128+N after signal N. Nil only when
    /// `localOutputClosed` ended the session first.
    public var exitStatus: Int?
    /// The final operation, when it arrived.
    public var operation: ExecOperationState?
    /// Local output went away (EPIPE); the command was ended.
    public var localOutputClosed = false
    /// Why the session ended the command itself (SIGTERM grace, a second SIGTERM, a
    /// caller's kill), if it did.
    public var killedReason: String?
    /// The signal that made the session end the command (its grace ran out, or it came twice).
    public var terminatedBy: Int32?
    /// `Configuration.timeout` passed: the command was sent SIGTERM (and ended a grace
    /// later if it was still running). timeout(1) reports this as 124.
    public var timedOut = false

    /// A completion with nothing known yet.
    public init() {}
}

/// Why a session failed. Each has one line of description; none carries a secret.
public enum ExecSessionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Every socket of the session was silent and a keepalive ping got no answer.
    case keepaliveTimedOut(seconds: Int)
    /// The daemon broke RFC 6455 on this websocket; we closed it with the error's code.
    case websocket(ExecStream, WebSocketProtocolError)
    /// The output ended but the exit status could not be had.
    case noExitStatus(String)
    /// The operation ended without `return`: the daemon's `err` (e.g. the websockets
    /// were not attached in time) or its status.
    case operationFailed(statusCode: Int, message: String)
    /// Writing to local output failed for another reason than a closed reader (ENOSPC,
    /// EIO, …). `errno` is the system's number; `message` its text.
    case localOutput(ExecStream, errno: Int32, message: String)
    /// The caller's hooks asked to stop with an error (e.g. an output limit).
    case aborted(String)

    public var description: String {
        switch self {
        case .keepaliveTimedOut(let s):
            return "timed out waiting for LXD: no answer to a keepalive ping for \(s) s"
        case .websocket(let fd, let error):
            return "invalid websocket data from LXD on fd \(fd.rawValue) (\(error.description)); closed with \(error.closeCode.code)"
        case .noExitStatus(let why):
            return "lost the connection to LXD before the command finished (no exit status: \(why))"
        case .operationFailed(_, let message):
            return message
        case .localOutput(let fd, _, let message):
            return "writing to \(fd == .stderr ? "stderr" : "stdout") failed: \(message); the command was ended"
        case .aborted(let why):
            return why
        }
    }
}
