#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The outcome of one read(2) of a local descriptor (stdin, a pipe, a file).
public enum LocalRead: Sendable, Equatable {
    /// This many bytes (> 0).
    case bytes(Int)
    case eof
    /// Nothing now: a signal interrupted the read, or a non-blocking descriptor is empty.
    case again
    /// The read failed (EIO, …): treat as the end of input.
    case failed(errno: Int32)
}

/// How a blocking write-all ended.
public enum LocalWrite: Sendable, Equatable {
    case written
    /// `interrupted()` said to stop; part of the bytes may have been written.
    case abandoned
    /// The reader went away (EPIPE).
    case readerGone
    /// Another error (ENOSPC, EIO, EBADF, …).
    case failed(errno: Int32)
}

/// How a wait for one descriptor ended.
/// An errno from a local system call.
public struct LocalError: Error, Sendable, Equatable {
    public let errno: Int32
    public init(errno: Int32) { self.errno = errno }
}

public enum LocalWait: Sendable, Equatable {
    /// The descriptor is ready (or has an error or hang-up to report).
    case ready
    /// The timeout passed first.
    case timedOut
    /// A signal ended the wait early.
    case interrupted
}

/// System calls on local descriptors, in one place: EINTR handling, write-all loops and
/// errno values as typed results (sockets use `retryingEINTR` in Syscall.swift).
public enum LocalIO {
    /// One read(2).
    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> LocalRead {
        let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
        if n > 0 { return .bytes(n) }
        if n == 0 { return .eof }
        let e = Glibc.errno
        return e == EINTR || isWouldBlock(e) ? .again : .failed(errno: e)
    }

    /// What `readFile` found.
    public enum FileRead: Sendable, Equatable {
        case bytes([UInt8])
        /// Larger than the limit: not read further.
        case tooLarge
        /// open(2) or read(2) failed (ENOENT when it does not exist).
        case failed(errno: Int32)
    }

    /// A whole (small) file: config files, env files. Reads past `limit` bytes stop with
    /// `.tooLarge`.
    public static func readFile(_ path: String, limit: Int = Int.max) -> FileRead {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failed(errno: Glibc.errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                bytes.append(contentsOf: chunk[0..<n])
                if bytes.count > limit { return .tooLarge }
            } else if n == 0 {
                return .bytes(bytes)
            } else if Glibc.errno != EINTR {
                return .failed(errno: Glibc.errno)
            }
        }
    }

    /// Writes all of `bytes` to a local descriptor, blocking: local stdout is not ours to
    /// make non-blocking (the flag would leak to the shell sharing it), and a blocked
    /// write is how backpressure reaches the daemon. A signal interrupts the write
    /// (handlers without SA_RESTART) and `interrupted()` runs; it returns false to stop.
    /// A non-blocking descriptor is waited on with poll(2), a second at a time.
    public static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, interrupted: () -> Bool) -> LocalWrite {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n > 0 {
                offset += n
                continue
            }
            let e = n < 0 ? Glibc.errno : EIO
            if e == EINTR {
                if !interrupted() { return .abandoned }
                continue
            }
            if isWouldBlock(e) {
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = Glibc.poll(&p, 1, 1000)
                if !interrupted() { return .abandoned }
                continue
            }
            return e == EPIPE ? .readerGone : .failed(errno: e)
        }
        return .written
    }

    /// poll(2) over `fds`; a signal ends the wait early (returns 0).
    public static func poll(_ fds: inout [pollfd], timeoutMilliseconds: Int32) throws(TransportError) -> Int {
        let n = fds.withUnsafeMutableBufferPointer { Glibc.poll($0.baseAddress, nfds_t($0.count), timeoutMilliseconds) }
        if n >= 0 { return Int(n) }
        let e = Glibc.errno
        if e == EINTR { return 0 }
        throw .system(operation: "poll", errno: e)
    }

    /// poll(2) of one descriptor for `events` (POLLIN, POLLOUT); a signal ends the wait
    /// with `.interrupted`, so the caller can look at it.
    public static func wait(_ fd: Int32, for events: Int16, timeoutMilliseconds: Int32) throws(TransportError) -> LocalWait {
        var p = pollfd(fd: fd, events: events, revents: 0)
        let n = Glibc.poll(&p, 1, timeoutMilliseconds)
        if n > 0 { return .ready }
        if n == 0 { return .timedOut }
        let e = Glibc.errno
        if e == EINTR { return .interrupted }
        throw .system(operation: "poll", errno: e)
    }

    /// One read(2), retried while a signal interrupts it: the bytes read (0 at the end),
    /// or the errno.
    public static func readOnce(_ fd: Int32, _ base: UnsafeMutableRawPointer?, _ count: Int) -> Result<Int, LocalError> {
        while true {
            let n = Glibc.read(fd, base, count)
            if n >= 0 { return .success(n) }
            let e = Glibc.errno
            if e != EINTR { return .failure(LocalError(errno: e)) }
        }
    }

    /// One write(2), retried while a signal interrupts it before any byte: the bytes
    /// written, or the errno (EAGAIN: a full non-blocking descriptor).
    public static func writeOnce(_ fd: Int32, _ base: UnsafeRawPointer?, _ count: Int) -> Result<Int, LocalError> {
        while true {
            let n = Glibc.write(fd, base, count)
            if n >= 0 { return .success(n) }
            let e = Glibc.errno
            if e != EINTR { return .failure(LocalError(errno: e)) }
        }
    }

    /// waitpid(2) without blocking, through signals: the wait status once `pid` ended,
    /// nil while it runs; `.failure` when there is no such child.
    public static func reap(_ pid: pid_t) -> Result<Int32?, LocalError> {
        var status: Int32 = 0
        while true {
            let r = Glibc.waitpid(pid, &status, WNOHANG)
            if r == pid { return .success(status) }
            if r == 0 { return .success(nil) }
            let e = Glibc.errno
            if e != EINTR { return .failure(LocalError(errno: e)) }
        }
    }

    /// waitpid(2) for `pid`, blocking through signals: its wait status, or nil when there
    /// is no such child (ECHILD).
    public static func waitForExit(_ pid: pid_t) -> Int32? {
        var status: Int32 = 0
        while Glibc.waitpid(pid, &status, 0) < 0 {
            if Glibc.errno != EINTR { return nil }
        }
        return status
    }
}
