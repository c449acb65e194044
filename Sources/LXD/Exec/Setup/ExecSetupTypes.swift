import HTTP
import Transport

/// One connection of an exec's set-up: the REST connection that carries the POST and
/// then the `/wait`, or the connection that becomes one websocket.
public enum SetupLink: Hashable, Sendable, CustomStringConvertible {
    /// The connection of the POST, then of the `/wait`.
    case rest
    /// The connection that becomes the websocket of this stream.
    case socket(ExecStream)

    /// "rest", "fd 0", "fd control": for the debug trace.
    public var description: String {
        switch self {
        case .rest: return "rest"
        case .socket(let fd): return "fd \(fd.rawValue)"
        }
    }
}

/// What one exec's set-up sends, and the words its errors use. Built by the client
/// (`LXDClient.setupPlan`); the machine only reads it.
public struct ExecSetupPlan: Sendable {
    /// The serialized `POST /1.0/instances/<name>/exec`.
    public var post: [UInt8]
    /// "POST /1.0/instances/c1/exec", for messages.
    public var postDescription: String
    /// The command runs on a PTY (websockets 0 and control only).
    public var interactive: Bool
    /// An exec waits for its status (`/wait` on the REST connection); a console does not.
    public var awaitsStatus = true
    /// The Host header of every request.
    public var host: String
    /// The User-Agent of every request.
    public var userAgent = HTTPConnection.defaultUserAgent
    /// The query of the `/wait` (`?timeout=-1`, plus `&project=` when one is selected).
    public var waitQuery = "?timeout=-1"
    /// "https://127.0.0.1:8443", for messages.
    public var address: String
    /// What connecting is, for a timeout's message ("connect to 127.0.0.1:8443").
    public var connectWhat = "connect"
    /// One Sec-WebSocket-Key per socket (made by the caller: the machine draws no random).
    public var keys: [ExecStream: String]
    /// Seconds to connect (TCP and TLS) each connection.
    public var connectSeconds: Double = 10
    /// Seconds from the start for the POST's answer.
    public var postSeconds: Double = 17
    /// Seconds from the POST's answer for every upgrade's answer.
    public var attachSeconds: Double = 10
    /// Without a PTY, 0/1/2 upgrade only once control's upgrade is answered (as lxc
    /// attaches): the command cannot start, and end, before control is attached. Costs
    /// one round trip, so it is for the unix socket, where a round trip is ~0.1 ms (see
    /// `ExecSetupMachine`). Off: control's upgrade only goes out first.
    public var controlAttachesFirst = false

    /// A plan with the default bounds (10 s to connect, 17 s for the POST, 10 s to attach).
    public init(post: [UInt8], postDescription: String, interactive: Bool, host: String, address: String,
                keys: [ExecStream: String]) {
        self.post = post
        self.postDescription = postDescription
        self.interactive = interactive
        self.host = host
        self.address = address
        self.keys = keys
    }

    /// The websockets an exec attaches (control first, as lxc does): 0/1/2 and control,
    /// or 0 and control on a PTY.
    public var sockets: [ExecStream] { interactive ? [.control, .stdin] : [.control, .stdin, .stdout, .stderr] }
}

/// How far one connection has come, for the deadline's message.
public enum SetupConnectStage: Sendable, Equatable {
    /// The TCP connect (or the unix socket's).
    case connecting(what: String)
    /// TCP is up, the TLS handshake runs.
    case handshaking(what: String)
}

/// What the set-up machine asks its driver to do.
public enum SetupAction: Sendable {
    /// Open the link's connection (TCP + TLS, or the unix socket).
    case connect(SetupLink)
    /// Write these bytes on the link (in order, all of them).
    case send(SetupLink, [UInt8])
    /// Close the link's connection: it is not needed (a failed POST, a socket the
    /// daemon did not offer).
    case close(SetupLink)
    /// An answer was read on the link (for the debug trace only).
    case answered(SetupLink, HTTPResponse)
    /// Every websocket is attached: hand the connections over to an exec session.
    case attached(ExecAttachment)
    /// The set-up failed; every connection is to be closed.
    case failed(LXDError)
}

/// The outcome of a set-up: the operation, and per websocket the bytes that came after
/// the 101 answer (the first frames). The REST connection carries the `/wait` when
/// `waitSent`.
public struct ExecAttachment: Sendable, Equatable {
    /// The exec's operation id.
    public var operationID: String
    /// The instance's cluster member (the operation's `location`), nil when not clustered.
    public var location: String?
    /// Per attached websocket, the bytes read after its 101 answer (its first frames).
    public var leftovers: [ExecStream: [UInt8]]
    /// The `/wait` for the exit status is out on the REST connection.
    public var waitSent: Bool
}

/// How far a failed set-up had come: whether another address of the same cluster may
/// still serve it (`ExecEventLoop.start(_:direct:…)`).
public enum SetupFailureStage: Sendable, Equatable {
    /// No connection reached the server (refused, unreachable, a name that does not resolve).
    case connecting
    /// A TCP connection was up, the TLS handshake did not finish (a certificate refused,
    /// or a server that accepts but never answers: a frozen member).
    case handshake
    /// The POST went out: the daemon had the request.
    case request
}
