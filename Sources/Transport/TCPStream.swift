#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A TCP connection (IPv4 or IPv6), non-blocking, TCP_NODELAY and SO_KEEPALIVE on.
public final class TCPStream: SocketStream {
    /// The host as given (brackets removed) and port.
    public let host: String
    public let port: UInt16

    init(fd: Int32, host: String, port: UInt16) {
        self.host = host
        self.port = port
        super.init(connectedNonBlocking: fd)
    }

    /// Resolves `host` (name, IPv4 literal, IPv6 literal with or without brackets) and
    /// connects to the addresses in getaddrinfo order until one succeeds or `deadline`
    /// passes. Errors name the address: "connection refused", "timed out", ...
    public static func connect(host: String, port: UInt16, deadline: Deadline) throws(TransportError) -> TCPStream {
        try connectMany(host: host, port: port, count: 1, deadline: deadline)[0]
    }

    /// `count` connections to `host:port`, after one name lookup, with every connect in
    /// flight at once: on a real network that is one round trip, not `count` (and one
    /// lookup, not `count`). Addresses are tried in getaddrinfo order; the connections an
    /// address refused are tried on the next one. Errors are `connect(host:port:deadline:)`'s;
    /// on an error no connection is left open.
    public static func connectMany(host rawHost: String, port: UInt16, count: Int,
                                   deadline: Deadline) throws(TransportError) -> [TCPStream] {
        let host = stripBrackets(rawHost)
        let what = "connect to \(describe(host, port))"
        var connected: [TCPStream] = []
        var pending: [Int32] = []
        var lastErrno: Int32 = ECONNREFUSED
        func fail(_ error: TransportError) -> TransportError {
            for fd in pending { _ = Glibc.close(fd) }  // the connected ones close in deinit
            return error
        }
        let addresses = try ResolvedAddresses.resolve(host: host, port: port)
        for e in addresses.entries where connected.count < count {
            // Every connection still missing, on this address, started before any is awaited.
            for _ in connected.count..<count {
                let fd = socket(e.family, e.socketType | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), e.proto)
                if fd < 0 { lastErrno = Glibc.errno; break }
                let (r, err) = e.address.withUnsafeBytes { raw in
                    retryingEINTR { Glibc.connect(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count)) }
                }
                if r == 0 { connected.append(established(fd, host: host, port: port)) }
                else if err == EINPROGRESS { pending.append(fd) }
                else { lastErrno = err; _ = Glibc.close(fd) }
            }
            while !pending.isEmpty {
                var fds = pending.map { pollfd(fd: $0, events: Int16(POLLOUT), revents: 0) }
                do {
                    try fds.withUnsafeMutableBufferPointer { (b) throws(TransportError) in
                        try waitUntilAnyReady(b, deadline: deadline, what: what)
                    }
                } catch {
                    throw fail(error)
                }
                pending = []
                for p in fds {
                    if p.revents == 0 { pending.append(p.fd); continue }
                    let soError = socketError(p.fd)
                    if soError == 0 { connected.append(established(p.fd, host: host, port: port)) }
                    else { lastErrno = soError; _ = Glibc.close(p.fd) }
                }
            }
            if connected.count < count, deadline.hasExpired { throw fail(.timedOut(what)) }
        }
        if connected.count == count { return connected }
        throw fail(lastErrno == ETIMEDOUT ? .timedOut(what) : .tcpConnectFailed(host: host, port: port, errno: lastErrno))
    }

    /// A connected socket with TCP_NODELAY and SO_KEEPALIVE on.
    static func established(_ fd: Int32, host: String, port: UInt16) -> TCPStream {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, socklen_t(MemoryLayout<Int32>.size))
        return TCPStream(fd: fd, host: host, port: port)
    }

    static func describe(_ host: String, _ port: UInt16) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// "[::1]" → "::1"; anything else unchanged.
public func stripBrackets(_ host: String) -> String {
    if host.hasPrefix("["), host.hasSuffix("]") { return String(host.dropFirst().dropLast()) }
    return host
}
