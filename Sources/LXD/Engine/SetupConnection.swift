import Transport

/// One connection of a set-up, opened without blocking: TCP connect, then the TLS
/// handshake (or the unix socket), then queued writes and reads. It reports what to poll
/// for; the set-up driver tells its machine what happened.
final class SetupConnection {
    enum State {
        case tcp(TCPConnectAttempt)
        /// TCP is up; the TLS handshake waits for a session to resume (`startTLS`).
        case waiting(TCPStream)
        /// The handshake runs and waits for this readiness.
        case tls(TLSStream, ReadinessWanted)
        case open(any ByteStream)
        case closed
    }

    private(set) var state: State
    /// Bytes queued to write.
    private var outgoing: [UInt8] = []
    private var written = 0
    private let host: String
    private let port: UInt16
    private let context: TLSContext?
    private let client: LXDClient?
    /// This connection's full handshake counts in `client.fullHandshakes`.
    private var holdsSlot = false

    /// Full TLS handshakes (no session to resume) one client runs at once: one exec's
    /// connections. A fan-out's other set-ups connect TCP meanwhile and start their
    /// handshakes once a session ticket came (then they resume: ~0.5 ms of CPU each on
    /// both sides instead of a certificate signature and its verification) or a slot is
    /// free: 100 sessions in a fresh process cost ~10 full handshakes, not 100.
    static let fullHandshakeLimit = 5

    /// Starts connecting. Unix sockets connect at once (a local accept); TCP starts
    /// its connect without waiting.
    init(client: LXDClient) throws(TransportError) {
        switch client.remote.endpoint {
        case .unix(let path):
            host = ""
            port = 0
            context = nil
            self.client = nil
            state = .open(try UnixStream.connect(path: path, deadline: .after(seconds: client.timeouts.connect)))
        case .https(let h, let p, _):
            host = h
            port = UInt16(clamping: p)
            self.client = client
            context = try client.tls()
            let attempt = TCPConnectAttempt(try client.resolvedAddresses())
            state = .tcp(attempt)
            if let tcp = try attempt.start() { try startTLS(tcp) }
        }
    }

    /// A connection already open (tests: partial writes over a socketpair).
    init(open stream: any ByteStream) {
        host = ""
        port = 0
        context = nil
        client = nil
        state = .open(stream)
    }

    var isOpen: Bool { if case .open = state { return true } else { return false } }

    /// The open stream, once connected.
    var stream: (any ByteStream)? { if case .open(let s) = state { return s } else { return nil } }

    var fileDescriptor: Int32 {
        switch state {
        case .tcp(let a): return a.fileDescriptor
        case .waiting(let t): return t.fileDescriptor
        case .tls(let t, _): return t.fileDescriptor
        case .open(let s): return s.fileDescriptor
        case .closed: return -1
        }
    }

    /// What to poll for: connecting, the handshake's wish, pending writes, or reading
    /// when `reading`.
    func pollEvents(reading: Bool) -> Int16 {
        switch state {
        case .tcp: return ReadinessWanted.write.pollEvents
        case .waiting: return 0
        case .tls(_, let wanted): return wanted.pollEvents
        case .open:
            var events: Int16 = 0
            if written < outgoing.count { events |= ReadinessWanted.write.pollEvents }
            if reading { events |= ReadinessWanted.read.pollEvents }
            return events
        case .closed: return 0
        }
    }

    /// Moves the connect or the handshake on; true once the connection is open.
    func advance() throws(TransportError) -> Bool {
        switch state {
        case .tcp(let attempt):
            guard let tcp = try attempt.advance() else { return false }
            try startTLS(tcp)
            return isOpen
        case .waiting(let tcp):
            try startTLS(tcp)
            return isOpen
        case .tls(let t, _):
            if let wanted = try t.continueHandshake() {
                state = .tls(t, wanted)
                return false
            }
            state = .open(t)
            releaseSlot()
            return true
        case .open: return true
        case .closed: throw .closed
        }
    }

    /// The TLS stream while its handshake runs (for the trace and the stage).
    var handshakingTLS: TLSStream? { if case .tls(let t, _) = state { return t } else { return nil } }

    /// Still waiting to start its TLS handshake (see `fullHandshakeLimit`).
    var isWaiting: Bool { if case .waiting = state { return true } else { return false } }

    /// Wraps the connected socket in TLS and sends the ClientHello; or, when there is no
    /// session to resume and the client's full handshakes are at their limit, waits
    /// (`advance()` tries again).
    private func startTLS(_ tcp: TCPStream) throws(TransportError) {
        guard let context, let client else { throw .closed }
        if !context.hasSession(for: TLSStream.sessionKey(host: host, port: port, context: context)) {
            let granted = client.fullHandshakes.withLock { n -> Bool in
                guard n < Self.fullHandshakeLimit else { return false }
                n += 1
                return true
            }
            guard granted else {
                state = .waiting(tcp)
                return
            }
            holdsSlot = true
        }
        let t = try TLSStream.client(over: tcp, host: host, port: port, context: context)
        if let wanted = try t.continueHandshake() { state = .tls(t, wanted) } else { state = .open(t) }
    }

    /// Queues `bytes` and writes what the socket takes now.
    func send(_ bytes: [UInt8]) throws(TransportError) {
        if written == outgoing.count { outgoing.removeAll(keepingCapacity: true); written = 0 }
        outgoing += bytes
        try flush()
    }

    /// Writes what the socket takes.
    func flush() throws(TransportError) {
        guard case .open(let s) = state else { return }
        while written < outgoing.count {
            let r = outgoing.withUnsafeBytes { b -> Result<IOResult, TransportError> in
                do throws(TransportError) { return .success(try s.write(UnsafeRawBufferPointer(rebasing: b[written...]))) } catch {
                    return .failure(error)
                }
            }
            switch try r.get() {
            case .bytes(let n): written += n
            case .wouldBlock: return
            case .eof: throw .connectionClosed("write")
            }
        }
    }

    var hasPendingWrites: Bool { written < outgoing.count }

    /// Writes what is still queued, waiting for the socket up to `deadline`.
    func finishWrites(deadline: Deadline) throws(TransportError) {
        guard case .open(let s) = state, hasPendingWrites else { return }
        try s.writeAll(Array(outgoing[written...]), deadline: deadline)
        written = outgoing.count
    }

    /// One read: the bytes, empty on would-block, nil at EOF.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> [UInt8]? {
        guard case .open(let s) = state else { return [] }
        switch try s.read(into: buffer) {
        case .bytes(let n): return Array(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
        case .wouldBlock: return []
        case .eof: return nil
        }
    }

    /// The stream, handed over (this connection no longer owns it).
    func takeStream() -> (any ByteStream)? {
        guard case .open(let s) = state else { return nil }
        state = .closed
        return s
    }

    private func releaseSlot() {
        guard holdsSlot, let client else { return }
        holdsSlot = false
        client.fullHandshakes.withLock { $0 -= 1 }
    }

    deinit { releaseSlot() }

    func close() {
        releaseSlot()
        switch state {
        case .tcp(let a): a.cancel()
        case .tls(let t, _): t.close()
        case .waiting(let t): t.close()
        case .open(let s): s.close()
        case .closed: break
        }
        state = .closed
    }
}
