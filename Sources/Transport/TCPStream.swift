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
    public static func connect(host rawHost: String, port: UInt16, deadline: Deadline) throws(TransportError) -> TCPStream {
        let host = stripBrackets(rawHost)
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let rc = getaddrinfo(host, String(port), &hints, &list)
        if rc != 0 {
            let message: String
            if rc == EAI_SYSTEM { message = errnoString(Glibc.errno) }
            else if let p = gai_strerror(rc) { message = String(cString: p) }
            else { message = "getaddrinfo error \(rc)" }
            throw .resolveFailed(host: host, message: message)
        }
        defer { freeaddrinfo(list) }

        var lastErrno: Int32 = ECONNREFUSED
        var cursor = list
        while let ai = cursor {
            cursor = ai.pointee.ai_next
            let fd = socket(ai.pointee.ai_family,
                            ai.pointee.ai_socktype | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue),
                            ai.pointee.ai_protocol)
            if fd < 0 { lastErrno = Glibc.errno; continue }
            let (r, e) = retryingEINTR { Glibc.connect(fd, ai.pointee.ai_addr, ai.pointee.ai_addrlen) }
            var ok = r == 0
            if !ok && e == EINPROGRESS {
                do {
                    try waitUntilReady(fd, .write, deadline: deadline, what: "connect to \(describe(host, port))")
                } catch {
                    _ = Glibc.close(fd)
                    throw error
                }
                let soError = socketError(fd)
                if soError == 0 { ok = true } else { lastErrno = soError }
            } else if !ok {
                lastErrno = e
            }
            if ok {
                var one: Int32 = 1
                _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                _ = setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, socklen_t(MemoryLayout<Int32>.size))
                return TCPStream(fd: fd, host: host, port: port)
            }
            _ = Glibc.close(fd)
            if deadline.hasExpired { throw .timedOut("connect to \(describe(host, port))") }
        }
        if lastErrno == ETIMEDOUT { throw .timedOut("connect to \(describe(host, port))") }
        throw .tcpConnectFailed(host: host, port: port, errno: lastErrno)
    }

    static func describe(_ host: String, _ port: UInt16) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// "[::1]" → "::1"; anything else unchanged.
func stripBrackets(_ host: String) -> String {
    if host.hasPrefix("["), host.hasSuffix("]") { return String(host.dropFirst().dropLast()) }
    return host
}
