#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The one place where EINTR is retried for socket system calls: runs `body` until it
/// returns something other than -1/EINTR. Returns the result and errno (0 on success).
@inline(__always)
func retryingEINTR<T: BinaryInteger>(_ body: () -> T) -> (result: T, errno: Int32) {
    while true {
        let r = body()
        if r != -1 { return (r, 0) }
        let e = Glibc.errno
        if e != EINTR { return (r, e) }
    }
}

@inline(__always)
func isWouldBlock(_ e: Int32) -> Bool { e == EAGAIN || e == EWOULDBLOCK }

/// Sets O_NONBLOCK and FD_CLOEXEC.
func makeNonBlocking(_ fd: Int32) throws(TransportError) {
    let flags = fcntl(fd, F_GETFL)
    if flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 {
        throw .system(operation: "fcntl(O_NONBLOCK)", errno: Glibc.errno)
    }
    let fdFlags = fcntl(fd, F_GETFD)
    if fdFlags >= 0 { _ = fcntl(fd, F_SETFD, fdFlags | FD_CLOEXEC) }
}
