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
    /// passes. Errors name the address: "connection refused", "timed out", ... On an
    /// error no descriptor is left open. (Many connections at once: an exec's set-up,
    /// `TCPConnectAttempt` driven by the event loop.)
    public static func connect(host: String, port: UInt16, deadline: Deadline) throws(TransportError) -> TCPStream {
        try TCPConnectAttempt(try ResolvedAddresses.resolve(host: host, port: port)).wait(deadline: deadline)
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
