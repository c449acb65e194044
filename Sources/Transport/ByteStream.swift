#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Which readiness of the file descriptor an operation waits for. A TLS read can need
/// the socket to become *writable* (renegotiation / key update) and vice versa.
public enum ReadinessWanted: Sendable, Equatable {
    case read
    case write

    /// The poll(2) event mask for this readiness.
    public var pollEvents: Int16 {
        switch self {
        case .read: return Int16(POLLIN)
        case .write: return Int16(POLLOUT)
        }
    }
}

/// The outcome of one non-blocking read or write.
public enum IOResult: Sendable, Equatable {
    /// This many bytes were read or written (always > 0).
    case bytes(Int)
    /// Nothing could be done now; poll the descriptor for the given readiness and retry.
    /// For a TLS write, the retry must pass the same bytes again (OpenSSL's rule).
    case wouldBlock(ReadinessWanted)
    /// Read: the peer finished sending (EOF / TLS close_notify). Never returned by write.
    case eof
}

/// A non-blocking, bidirectional byte stream over one file descriptor (unix socket, TCP,
/// TLS over TCP). Single-threaded: one owner drives it, usually from a poll(2) loop.
///
/// `read`/`write` never block. The blocking helpers (`readSome`, `writeAll`) poll the
/// descriptor until a `Deadline` and are meant for the setup phase (HTTP, upgrade).
///
/// SIGPIPE: writes use `send(..., MSG_NOSIGNAL)` (TLS through a custom BIO doing the
/// same), so a peer that went away gives `TransportError.system(errno: EPIPE)` and never
/// kills the process. The CLI also ignores SIGPIPE for stdout as a second line of defence.
public protocol ByteStream: AnyObject {
    /// The socket, for poll(2). Valid until `close()`.
    var fileDescriptor: Int32 { get }

    /// Reads up to `buffer.count` bytes without blocking.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> IOResult

    /// Writes a prefix of `bytes` without blocking. Never returns `.eof`.
    func write(_ bytes: UnsafeRawBufferPointer) throws(TransportError) -> IOResult

    /// True when bytes are already buffered inside the stream (TLS: decrypted, or read ahead),
    /// so `read` will return data without the descriptor becoming readable. A poll loop
    /// must drain these before it polls again. Always false for plain sockets.
    var hasBufferedInput: Bool { get }

    /// Half-close: no more writes (TLS: close_notify; sockets: shutdown(SHUT_WR)).
    func shutdownWrite()

    /// Closes the descriptor (TLS: best-effort close_notify first). Idempotent.
    func close()
}

extension ByteStream {
    /// Blocks (poll) until some bytes are read, EOF, or the deadline passes.
    /// Returns the byte count, 0 on EOF.
    public func readSome(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(TransportError) -> Int {
        while true {
            switch try read(into: buffer) {
            case .bytes(let n): return n
            case .eof: return 0
            case .wouldBlock(let wanted):
                try waitUntilReady(fileDescriptor, wanted, deadline: deadline, what: "read")
            }
        }
    }

    /// Blocks (poll) until every byte is written or the deadline passes.
    public func writeAll(_ bytes: UnsafeRawBufferPointer, deadline: Deadline) throws(TransportError) {
        var offset = 0
        while offset < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
            switch try write(rest) {
            case .bytes(let n): offset += n
            case .eof: throw .connectionClosed("write")
            case .wouldBlock(let wanted):
                try waitUntilReady(fileDescriptor, wanted, deadline: deadline, what: "write")
            }
        }
    }

    /// `writeAll` for an array.
    public func writeAll(_ bytes: [UInt8], deadline: Deadline) throws(TransportError) {
        var failure: TransportError? = nil
        bytes.withUnsafeBytes { raw in
            do throws(TransportError) { try writeAll(raw, deadline: deadline) } catch { failure = error }
        }
        if let failure { throw failure }
    }
}

/// Polls one descriptor for `wanted` until ready or `deadline`. EINTR restarts the wait
/// with the remaining time. Error/hang-up conditions count as ready (the next I/O call
/// reports them precisely).
public func waitUntilReady(_ fd: Int32, _ wanted: ReadinessWanted, deadline: Deadline, what: String) throws(TransportError) {
    var pfd = pollfd(fd: fd, events: wanted.pollEvents, revents: 0)
    try withUnsafeMutablePointer(to: &pfd) { (p) throws(TransportError) in
        try waitUntilAnyReady(UnsafeMutableBufferPointer(start: p, count: 1), deadline: deadline, what: what)
    }
}

/// `waitUntilReady` for several descriptors at once: returns when at least one is ready
/// (its `revents` set), throws `.timedOut(what)` when `deadline` passes first.
public func waitUntilAnyReady(_ fds: UnsafeMutableBufferPointer<pollfd>, deadline: Deadline,
                              what: String) throws(TransportError) {
    while true {
        let timeout = deadline.remainingMilliseconds
        if timeout == 0 && !deadline.isNever {
            // One last non-waiting look, so an already-ready fd wins over an expired deadline.
            let r = poll(fds.baseAddress, nfds_t(fds.count), 0)
            if r > 0 { return }
            throw .timedOut(what)
        }
        let r = poll(fds.baseAddress, nfds_t(fds.count), timeout)
        if r > 0 { return }
        if r == 0 {
            if deadline.hasExpired { throw .timedOut(what) }
            continue
        }
        let e = Glibc.errno
        if e == EINTR { continue }
        throw .system(operation: "poll", errno: e)
    }
}
