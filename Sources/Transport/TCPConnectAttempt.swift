#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The addresses of one `host:port`, looked up once (getaddrinfo) and kept: every
/// connection of a remote starts from the same list, so a remote costs one name lookup
/// however many connections it opens.
public struct ResolvedAddresses: Sendable {
    /// The host as given (brackets removed) and port, for messages.
    public let host: String
    public let port: UInt16
    struct Entry: Sendable {
        var family: Int32
        var socketType: Int32
        var proto: Int32
        var address: [UInt8]   // a sockaddr of `address.count` bytes
    }
    let entries: [Entry]

    /// Looks `host` up (a name, an IPv4 literal, an IPv6 literal with or without brackets).
    public static func resolve(host rawHost: String, port: UInt16) throws(TransportError) -> ResolvedAddresses {
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
        var entries: [Entry] = []
        var cursor = list
        while let ai = cursor {
            cursor = ai.pointee.ai_next
            guard let sa = ai.pointee.ai_addr else { continue }
            let bytes = UnsafeRawBufferPointer(start: sa, count: Int(ai.pointee.ai_addrlen))
            entries.append(Entry(family: ai.pointee.ai_family, socketType: ai.pointee.ai_socktype,
                                 proto: ai.pointee.ai_protocol, address: Array(bytes)))
        }
        return ResolvedAddresses(host: host, port: port, entries: entries)
    }
}

/// One TCP connect that never blocks: `start()` begins it, the caller polls
/// `fileDescriptor` for writability and calls `advance()`, which returns the connected
/// stream, or nil while it is still in flight. An address that refuses moves the attempt
/// to the next one (getaddrinfo order), as `TCPStream.connect` does.
public final class TCPConnectAttempt {
    public let addresses: ResolvedAddresses
    private var next = 0
    private var fd: Int32 = -1
    private var lastErrno: Int32 = ECONNREFUSED

    public init(_ addresses: ResolvedAddresses) {
        self.addresses = addresses
    }

    deinit { if fd >= 0 { _ = Glibc.close(fd) } }

    /// The socket whose writability means the connect ended (-1 before `start`).
    public var fileDescriptor: Int32 { fd }

    /// Starts connecting; the stream when the connect completed at once.
    public func start() throws(TransportError) -> TCPStream? {
        try tryNextAddress()
    }

    /// The socket is writable (or failed): the stream when connected, nil while the
    /// connect runs on (the next address was tried), an error when no address is left.
    public func advance() throws(TransportError) -> TCPStream? {
        guard fd >= 0 else { return try tryNextAddress() }
        let soError = socketError(fd)
        if soError == 0 { return established() }
        lastErrno = soError
        _ = Glibc.close(fd)
        fd = -1
        return try tryNextAddress()
    }

    /// Connects, waiting with poll(2) until connected or `deadline` (a blocking caller's
    /// `TCPStream.connect`, from addresses looked up before).
    public func wait(deadline: Deadline) throws(TransportError) -> TCPStream {
        let what = "connect to \(TCPStream.describe(addresses.host, addresses.port))"
        if let stream = try start() { return stream }
        while true {
            try waitUntilReady(fd, .write, deadline: deadline, what: what)
            if let stream = try advance() { return stream }
        }
    }

    /// Closes the socket of an attempt given up.
    public func cancel() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }

    private func tryNextAddress() throws(TransportError) -> TCPStream? {
        while next < addresses.entries.count {
            let e = addresses.entries[next]
            next += 1
            let s = socket(e.family, e.socketType | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), e.proto)
            if s < 0 { lastErrno = Glibc.errno; continue }
            let (r, err) = e.address.withUnsafeBytes { raw in
                retryingEINTR {
                    Glibc.connect(s, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
                }
            }
            fd = s
            if r == 0 { return established() }
            if err == EINPROGRESS { return nil }
            lastErrno = err
            _ = Glibc.close(s)
            fd = -1
        }
        if lastErrno == ETIMEDOUT {
            throw .timedOut("connect to \(TCPStream.describe(addresses.host, addresses.port))")
        }
        throw .tcpConnectFailed(host: addresses.host, port: addresses.port, errno: lastErrno)
    }

    private func established() -> TCPStream {
        let s = fd
        fd = -1
        return TCPStream.established(s, host: addresses.host, port: addresses.port)
    }
}
