#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A non-blocking stream socket (unix or TCP). Owns its descriptor.
public class SocketStream: ByteStream {
    public private(set) var fileDescriptor: Int32

    /// Takes ownership of a connected stream socket (e.g. one end of socketpair(2)) and
    /// makes it non-blocking and close-on-exec.
    public init(adoptingDescriptor fd: Int32) throws(TransportError) {
        try makeNonBlocking(fd)
        self.fileDescriptor = fd
    }

    /// For subclasses that created the socket non-blocking already.
    init(connectedNonBlocking fd: Int32) {
        self.fileDescriptor = fd
    }

    deinit {
        if fileDescriptor >= 0 { _ = Glibc.close(fileDescriptor) }
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> IOResult {
        guard fileDescriptor >= 0 else { throw .closed }
        guard buffer.count > 0, let base = buffer.baseAddress else { return .bytes(0) }
        let fd = fileDescriptor
        let (n, e) = retryingEINTR { recv(fd, base, buffer.count, 0) }
        if n > 0 { return .bytes(n) }
        if n == 0 { return .eof }
        if isWouldBlock(e) { return .wouldBlock(.read) }
        throw .system(operation: "read", errno: e)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(TransportError) -> IOResult {
        guard fileDescriptor >= 0 else { throw .closed }
        guard bytes.count > 0, let base = bytes.baseAddress else { return .bytes(0) }
        let fd = fileDescriptor
        // MSG_NOSIGNAL: a vanished peer gives EPIPE instead of SIGPIPE.
        let (n, e) = retryingEINTR { send(fd, base, bytes.count, Int32(MSG_NOSIGNAL)) }
        if n >= 0 { return .bytes(n) }
        if isWouldBlock(e) { return .wouldBlock(.write) }
        throw .system(operation: "write", errno: e)
    }

    public var hasBufferedInput: Bool { false }

    public func shutdownWrite() {
        if fileDescriptor >= 0 { _ = shutdown(fileDescriptor, Int32(SHUT_WR)) }
    }

    public func close() {
        if fileDescriptor >= 0 {
            _ = Glibc.close(fileDescriptor)  // never retried on EINTR: the fd is gone on Linux
            fileDescriptor = -1
        }
    }
}

/// A connection to a unix stream socket (LXD's `/var/lib/lxd/unix.socket`).
public final class UnixStream: SocketStream {
    /// The socket path this stream is connected to.
    public let path: String

    init(fd: Int32, path: String) {
        self.path = path
        super.init(connectedNonBlocking: fd)
    }

    /// Connects to `path`. A full listen backlog (EAGAIN) is retried until `deadline`.
    public static func connect(path: String, deadline: Deadline) throws(TransportError) -> UnixStream {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        guard !pathBytes.isEmpty, pathBytes.count < capacity else {
            throw .unixConnectFailed(path: path, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
            raw[pathBytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .system(operation: "socket", errno: Glibc.errno) }
        let len = socklen_t(MemoryLayout<sa_family_t>.size + pathBytes.count + 1)
        while true {
            let (r, e) = retryingEINTR {
                withUnsafePointer(to: &addr) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, len) }
                }
            }
            if r == 0 { return UnixStream(fd: fd, path: path) }
            if e == EAGAIN {
                // Backlog full: back off briefly and retry until the deadline.
                if deadline.hasExpired { _ = Glibc.close(fd); throw .timedOut("connect to \(path)") }
                var pfd = pollfd(fd: -1, events: 0, revents: 0)
                _ = poll(&pfd, 0, min(10, deadline.isNever ? 10 : max(1, deadline.remainingMilliseconds)))
                continue
            }
            if e == EINPROGRESS {
                do {
                    try waitUntilReady(fd, .write, deadline: deadline, what: "connect to \(path)")
                } catch {
                    _ = Glibc.close(fd)
                    throw error
                }
                let soError = socketError(fd)
                if soError == 0 { return UnixStream(fd: fd, path: path) }
                _ = Glibc.close(fd)
                throw .unixConnectFailed(path: path, errno: soError)
            }
            _ = Glibc.close(fd)
            throw .unixConnectFailed(path: path, errno: e)
        }
    }
}

/// SO_ERROR of a socket (the result of a non-blocking connect).
func socketError(_ fd: Int32) -> Int32 {
    var err: Int32 = 0
    var len = socklen_t(MemoryLayout<Int32>.size)
    if getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 { return Glibc.errno }
    return err
}
