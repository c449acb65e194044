import WebSocket

/// One exec session's protocol, as a pure state machine: events in, actions out.
///
/// It owns every rule of `lxd-exec-protocol.md` that decides what is sent and when the
/// session ends; the driver (`ExecEventLoop`) only moves bytes and time. No system call,
/// no clock: time comes in with the events (`ExecInstant`).
///
/// - Non-interactive: local input → fd 0 as binary messages, its end → one empty text
///   message (the barrier); fds 1 and 2 end with the daemon's barrier, then a TCP close.
/// - Interactive: fd 0 carries the PTY both ways; the end of local input is Ctrl-D
///   (twice when the last line has no newline: a text frame would make LXD 5.0.2 close
///   the PTY, §4); the daemon's barrier on fd 0 is answered with a close frame at once,
///   or the operation never ends.
/// - The exit status comes from the operation (`/wait` sent right after the POST); it may
///   arrive before, between or after the ends of the output. When the wait is lost the
///   machine asks for a lookup.
/// - Keepalive: after `probeAfter` of silence on every socket, a ping (through the codec's
///   `WebSocketConnectionStateMachine` of that socket); nothing at all within
///   `probeTimeout` after it ends the session.
/// - SIGTERM/SIGHUP are forwarded; still running `terminationGrace` later, or asked
///   twice, the session closes control (LXD SIGKILLs the top process).
public struct ExecSessionMachine: Sendable {
    /// Limits and deadlines, in seconds.
    public struct Configuration: Sendable, Equatable {
        /// Silence on every socket after which the daemon is probed with a ping...
        public var probeAfter: Double = 30
        /// ...and after which, with nothing received since the probe, the session fails.
        public var probeTimeout: Double = 15
        /// Once the operation is final, how long output may stay silent before the
        /// session ends without its barriers (newer LXD stops reading after ~1 s).
        public var drainAfterFinal: Double = 3
        /// Once every output stream ended, how long the `/wait` may stay unanswered while a
        /// socket the daemon should have closed stays open, before the status is looked up.
        public var statusAfterOutput: Double = 10
        /// How long a result lookup may wait on the daemon (`/wait?timeout=`), and how
        /// long after a kill the session waits for the daemon to report the end.
        public var resultLookup: Double = 5
        /// After SIGTERM/SIGHUP, how long the command may take before it is ended.
        public var terminationGrace: Double = 3
        /// Send SIGTERM this long after the start (and end the command a grace later).
        public var timeout: Double?
        /// The defaults.
        public init() {}
    }

    struct Socket: Sendable {
        /// Ping/pong and the close handshake of this websocket.
        var connection = WebSocketConnectionStateMachine()
        /// Its output ended: barrier, close frame or EOF (fds 1, 2; fd 0 interactive).
        var outputEnded = false
        /// Nothing more can be read: EOF, or we closed it.
        var gone = false
        /// A write failed (the peer is gone for writing).
        var writable = true
        var canSend: Bool { writable && !gone }
    }

    enum Input: Sendable {
        case open(lastByte: UInt8)
        case closed
    }

    enum Result: Sendable {
        /// No final operation yet; `waitPending` while the `/wait` request is out.
        case awaiting(waitPending: Bool, lastError: String?)
        case lookingUp(since: ExecInstant, lastError: String?)
        case known(ExecOperationState, at: ExecInstant)
    }

    enum Termination: Sendable {
        case running
        case requested(signal: Int32, name: String, at: ExecInstant)
        case killed(at: ExecInstant)
    }

    /// Whether the session runs on a PTY.
    public let interactive: Bool
    /// An exec ends with its command's status; a console (no status) ends with its output.
    public let awaitsStatus: Bool
    /// Keepalive, grace and timeout settings.
    public let configuration: Configuration
    var sockets: [Socket?] = [nil, nil, nil, nil]
    var input: Input
    var result: Result
    var termination = Termination.running
    var completion = ExecCompletion()
    let startedAt: ExecInstant
    var lastActivity: ExecInstant
    var probeSentAt: ExecInstant?
    /// When every socket was found gone (a `/wait` still out then is given a drain time).
    var allGoneAt: ExecInstant?
    /// When every output stream had ended (its barrier or EOF).
    var outputEndedAt: ExecInstant?
    /// Set once `finish` was returned; every later event is ignored.
    public internal(set) var isFinished = false

    static let probePayload: [UInt8] = Array("lxattach".utf8)

    /// A machine for a session that was just attached.
    ///
    /// - Parameters:
    ///   - interactive: the command runs on a PTY (websockets 0 and control only).
    ///   - attached: the websockets that were attached (control may be missing in
    ///     non-interactive mode: a late or refused control is tolerated).
    ///   - hasInput: false when there is no local input (`-n`): its end goes out at `start`.
    ///   - waitPending: the `/wait` request is out and will be reported.
    ///   - awaitsStatus: false for a console: it ends when its output does.
    ///   - configuration: keepalive, grace and timeout settings.
    ///   - now: the current time, on the caller's clock.
    public init(interactive: Bool, attached: Set<ExecStream>, hasInput: Bool, waitPending: Bool,
                awaitsStatus: Bool = true, configuration: Configuration = Configuration(), now: ExecInstant) {
        self.interactive = interactive
        self.awaitsStatus = awaitsStatus
        self.configuration = configuration
        for fd in attached { sockets[fd.index] = Socket() }
        input = hasInput ? .open(lastByte: 10) : .closed
        result = .awaiting(waitPending: waitPending, lastError: nil)
        startedAt = now
        lastActivity = now
        if !hasInput { pendingInputEnd = true }
    }

    /// The end of input still to send at `start` (no local input).
    private var pendingInputEnd = false

    /// The first actions: the end of input when there is none.
    public mutating func start(now: ExecInstant) -> [ExecAction] {
        guard pendingInputEnd else { return evaluate(now) }
        pendingInputEnd = false
        input = .open(lastByte: 10)
        return inputEnded(now: now)
    }

    // MARK: - Local input

    /// Whether local input may be read and sent now.
    public var acceptsInput: Bool {
        guard !isFinished, !termination.isKilled, case .open = input else { return false }
        return canSendData(on: .stdin)
    }

    /// A chunk of local input was read; true when it is to be sent on fd 0.
    public mutating func receivedInput(lastByte: UInt8) -> Bool {
        guard acceptsInput else { return false }
        input = .open(lastByte: lastByte)
        return true
    }

    /// Local input ended.
    public mutating func inputEnded(now: ExecInstant) -> [ExecAction] {
        guard !isFinished, case .open(let last) = input else { return [] }
        input = .closed
        guard canSendData(on: .stdin) else { return [] }
        if interactive {
            // Ctrl-D ends a line-discipline read; a second is needed when the last line
            // has no newline (the first only flushes it).
            return [.send(.stdin, .binary(last == 10 || last == 13 ? [4] : [4, 4]))]
        }
        return [.send(.stdin, .barrier)]
    }

    // MARK: - Websocket events

    /// Bytes arrived on a websocket (any frame): the daemon is alive.
    public mutating func receivedBytes(on fd: ExecStream, now: ExecInstant) {
        lastActivity = max(lastActivity, now)
        probeSentAt = nil
    }

    /// Where a chunk of a binary message's payload goes.
    public func receivedData(on fd: ExecStream) -> ExecDataDisposition {
        guard !isFinished, !termination.isKilled else { return .discard }
        switch fd {
        case .stdout: return interactive ? .discard : .deliver(.stdout)
        case .stderr: return interactive ? .discard : .deliver(.stderr)
        case .stdin: return interactive ? .deliver(.stdout) : .discard
        case .control: return .discard  // the daemon never sends data on control
        }
    }

    /// A complete text message: the end-of-stream barrier, whatever it holds.
    public mutating func receivedBarrier(on fd: ExecStream, now: ExecInstant) -> [ExecAction] {
        guard !isFinished else { return [] }
        var actions: [ExecAction] = []
        if isOutput(fd) {
            sockets[fd.index]?.outputEnded = true
            if interactive, fd == .stdin {
                // The command is gone; LXD waits for us to end fd 0 before it sets `return`.
                input = .closed
                actions += close(.stdin)
            }
        }
        return actions + evaluate(now)
    }

    /// A ping arrived on `fd`: the pong to send, on a socket the daemon reads.
    public mutating func receivedPing(on fd: ExecStream, payload: [UInt8], now: ExecInstant) -> [ExecAction] {
        guard !isFinished, var s = sockets[fd.index] else { return [] }
        let action = s.connection.receivedPing(payload)
        sockets[fd.index] = s
        return daemonReads(fd) ? perform(action, on: fd) : []
    }

    /// Whether the daemon reads what we send on `fd` until the session ends: control, and
    /// fd 0 while it carries input (always, on a PTY). LXD before 6.2 never reads stderr's
    /// websocket, reads stdout's only to notice a client gone (not always before it
    /// closes), and stops reading fd 0 at our input barrier. A pong left unread there makes
    /// the daemon's close a TCP reset, and the reset drops the output still on its way to
    /// us: megabytes of stderr over TLS, with `lxc` too. No daemon waits for those pongs
    /// (its pings there only keep NAT and proxies awake), so RFC 6455's answer is not sent.
    func daemonReads(_ fd: ExecStream) -> Bool {
        switch fd {
        case .control: return true
        case .stdin:
            if case .open = input { return true }
            return interactive
        case .stdout, .stderr: return false
        }
    }

    /// A pong arrived on `fd` (a keepalive answered).
    public mutating func receivedPong(on fd: ExecStream, payload: [UInt8], now: ExecInstant) -> [ExecAction] {
        guard !isFinished, var s = sockets[fd.index] else { return [] }
        let action = s.connection.receivedPong(payload)
        sockets[fd.index] = s
        return perform(action, on: fd)
    }

    /// The daemon's close frame (answered through the socket's connection machine).
    public mutating func receivedClose(on fd: ExecStream, frame: WebSocketCloseFrame, now: ExecInstant) -> [ExecAction] {
        guard !isFinished, var s = sockets[fd.index] else { return [] }
        let action = s.connection.receivedClose(frame)
        if isOutput(fd) { s.outputEnded = true }
        sockets[fd.index] = s
        if fd == .stdin { input = .closed }
        return perform(action, on: fd) + evaluate(now)
    }

    /// The connection ended (EOF or a read error).
    public mutating func receivedEOF(on fd: ExecStream, now: ExecInstant) -> [ExecAction] {
        guard !isFinished, var s = sockets[fd.index], !s.gone else { return [] }
        _ = s.connection.connectionEnded()
        s.gone = true
        if isOutput(fd) { s.outputEnded = true }
        sockets[fd.index] = s
        if fd == .stdin { input = .closed }
        return evaluate(now)
    }

    /// The daemon broke RFC 6455 on `fd`: fail the connection with the rule's close code
    /// (§7.1.7) and the session with the error.
    public mutating func receivedInvalidFrame(on fd: ExecStream, error: WebSocketProtocolError, now: ExecInstant) -> [ExecAction] {
        guard !isFinished, var s = sockets[fd.index] else { return [] }
        let action = s.connection.failed(error)
        sockets[fd.index] = s
        return perform(action, on: fd) + finish(.failed(.websocket(fd, error)))
    }

    /// A write on `fd` failed: the peer is gone for writing (late stdin after the end).
    public mutating func writeFailed(on fd: ExecStream, now: ExecInstant) -> [ExecAction] {
        guard !isFinished else { return [] }
        sockets[fd.index]?.writable = false
        if fd == .stdin { input = .closed }
        return evaluate(now)
    }

    // MARK: - Helpers

    func isOutput(_ fd: ExecStream) -> Bool {
        interactive ? fd == .stdin : (fd == .stdout || fd == .stderr)
    }

    func canSendData(on fd: ExecStream) -> Bool {
        guard let s = sockets[fd.index] else { return false }
        return s.canSend && s.connection.canSendData
    }

    /// Starts our close handshake on `fd` (§7.1.2).
    mutating func close(_ fd: ExecStream, code: WebSocketCloseCode = .normalClosure) -> [ExecAction] {
        guard var s = sockets[fd.index], s.canSend else { return [] }
        let action = s.connection.close(code: code)
        sockets[fd.index] = s
        return perform(action, on: fd)
    }

    /// Turns the connection machine's decision into the driver's actions. After a
    /// shutdown the socket is gone: the driver closes it and reads nothing more.
    mutating func perform(_ action: WebSocketConnectionStateMachine.Action, on fd: ExecStream) -> [ExecAction] {
        let canWrite = sockets[fd.index]?.canSend ?? false
        switch action {
        case .sendPong(let p): return canWrite ? [.send(fd, .pong(p))] : []
        case .sendPing(let p): return canWrite ? [.send(fd, .ping(p))] : []
        case .sendClose(let frame): return canWrite ? [.send(fd, .close(frame))] : []
        case .sendCloseAndShutdown(let frame):
            sockets[fd.index]?.gone = true
            return (canWrite ? [.send(fd, .close(frame))] : []) + [.closeSocket(fd)]
        case .shutdown:
            sockets[fd.index]?.gone = true
            return [.closeSocket(fd)]
        case .none, .alreadyClosing, .alreadyClosed: return []
        }
    }

    static func seconds(_ from: ExecInstant, _ to: ExecInstant) -> Double {
        to > from ? Double(to - from) / 1e9 : 0
    }
}

extension ExecSessionMachine.Termination {
    var isKilled: Bool {
        if case .killed = self { return true }
        return false
    }
}
