import Glibc
import Transport

/// The file a session is recorded into. lxattach's side of it: complete lines go down a
/// non-blocking pipe to a writer process (`RecordingWriter`), so a slow or stalled disk
/// never holds up the session's loop, nor lxattach's exit.
///
/// `handOver` writes what the loop gathered (one write(2) to the pipe, once per loop turn
/// at most); what the pipe cannot take now waits here. The recording ends, with one
/// warning (`warn`), when the writer fails (a full disk, an I/O error: it warns itself,
/// after cutting the file back to its last whole line), or when the pipe stays full past
/// `stallSeconds` or more than `maxQueued` bytes wait (the disk stalled). The session
/// goes on unrecorded. The file only ever holds whole lines, but for the one write(2)
/// in progress.
///
/// The process must ignore SIGPIPE (lxattach does): a writer that is gone is an EPIPE.
/// It forks: make it while the process has one thread (lxattach does, before the session).
public final class RecordingFile {
    /// Why a recording could not start.
    public enum OpenError: Error, CustomStringConvertible {
        /// The file exists: never overwritten.
        case exists(String)
        case failed(String, errno: Int32)

        public var description: String {
            switch self {
            case .exists(let path): return "\(path) exists: not overwriting it (choose a new file for --record)"
            case .failed(let path, let e): return "cannot create \(path): \(String(cString: strerror(e)))"
            }
        }
    }

    /// The file's path, for messages.
    public let path: String
    /// Bounds: bytes waiting for the pipe, and seconds the pipe may stay full.
    public let maxQueued: Int
    public let stallSeconds: Double
    private let warn: (String) -> Void
    /// The pipe's write end (-1 once closed), and the writer's pid.
    private var pipe: Int32
    private let writer: pid_t
    /// Lines the pipe has not taken yet: `waiting[sent...]`.
    private var waiting: [UInt8] = []
    private var sent = 0
    /// Since when the pipe has been full (0: it is not).
    private var fullSince: UInt64 = 0
    /// No more is recorded (ended, failed, or closed).
    public private(set) var stopped = false
    /// Lines wait for room in the pipe: hand over again soon, with or without new ones.
    public var isBehind: Bool { sent < waiting.count }

    /// Creates `path` (O_EXCL, mode 0600: a recording may hold secrets), writes `header`
    /// (the first line) and starts the writer, before any session starts. `warn` gets the
    /// one line that says why a recording ended early.
    public init(creating path: String, header: [UInt8], maxQueued: Int = 64 << 20, stallSeconds: Double = 10,
                warn: @escaping (String) -> Void) throws(OpenError) {
        self.path = path
        self.maxQueued = maxQueued
        self.stallSeconds = stallSeconds
        self.warn = warn
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let e = errno
            throw e == EEXIST ? .exists(path) : .failed(path, errno: e)
        }
        func fail(_ e: Int32) -> OpenError {
            Glibc.close(fd)
            unlink(path)
            return .failed(path, errno: e)
        }
        let written = header.withUnsafeBytes { LocalIO.writeAll(fd, $0) { true } }
        guard written == .written else {
            var e = EIO
            if case .failed(let why) = written { e = why }
            throw fail(e)
        }
        var ends: [Int32] = [-1, -1]
        guard Glibc.pipe(&ends) == 0 else { throw fail(errno) }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
        _ = fcntl(ends[1], 1031 /* F_SETPIPE_SZ */, Int32(1 << 20))  // best effort: the limit may be lower
        let message = Self.message(path)
        let length = off_t(header.count)
        let pid = fork()
        if pid == 0 {
            Glibc.close(ends[1])
            RecordingWriter.run(input: ends[0], file: fd, length: length) { why in warn(message(why)) }
        }
        let forkError = errno
        Glibc.close(ends[0])
        Glibc.close(fd)
        guard pid > 0 else {
            Glibc.close(ends[1])
            unlink(path)
            throw .failed(path, errno: forkError)
        }
        pipe = ends[1]
        writer = pid
    }

    /// The warning for `why`.
    static func message(_ path: String) -> (String) -> String {
        { why in "recording to \(path) stopped: \(why); it plays up to its last event" }
    }

    /// Takes `lines` (whole lines; left empty, its capacity kept) for the writer, with
    /// what waits from before. Ends the recording (warning once) when the pipe took
    /// nothing for `stallSeconds`, or more than `maxQueued` bytes wait.
    public func handOver(_ lines: inout [UInt8], now: UInt64 = monotonicNanoseconds()) {
        defer { lines.removeAll(keepingCapacity: true) }
        guard !stopped, let taken = send(adding: &lines) else { return }
        let backlog = waiting.count - sent
        if backlog == 0 {
            fullSince = 0
            return
        }
        // The stall clock runs while the pipe takes nothing; any progress restarts it.
        if taken > 0 || fullSince == 0 { fullSince = now }
        if backlog > maxQueued {
            end("the disk did not keep up (\(backlog >> 20) MiB waiting)")
        } else if now &- fullSince > UInt64(stallSeconds * 1e9) {
            end("the disk stalled (nothing written for \(Int(stallSeconds)) s)")
        }
    }

    /// Sends what waits, then `lines`, as far as the pipe takes them; the rest waits.
    /// Returns the bytes the pipe took (nil: the recording ended).
    private func send(adding lines: inout [UInt8]) -> Int? {
        if sent == waiting.count {
            guard !lines.isEmpty else { return 0 }
            let n = lines.withUnsafeBytes { send($0) }
            guard n >= 0 else { return nil }
            if n < lines.count {
                // What the pipe did not take waits (the buffers swap: no copy of the rest).
                swap(&waiting, &lines)
                sent = n
            }
            return n
        }
        waiting.append(contentsOf: lines)
        let n = waiting.withUnsafeBytes { send(UnsafeRawBufferPointer(rebasing: $0[sent...])) }
        guard n >= 0 else { return nil }
        sent += n
        if sent == waiting.count {
            waiting.removeAll(keepingCapacity: true)
            sent = 0
        } else if sent > waiting.count / 2 {
            waiting.removeSubrange(..<sent)
            sent = 0
        }
        return n
    }

    /// One non-blocking write to the pipe: the bytes it took (-1: the recording ended).
    private func send(_ bytes: UnsafeRawBufferPointer) -> Int {
        let result = LocalIO.writeOnce(pipe, bytes.baseAddress, bytes.count)
        if case .success(let n) = result { return n }
        if case .failure(let f) = result, f.errno == EAGAIN { return 0 }
        // The writer is gone. One that failed has said why (status 1); any other end (a
        // signal, the OOM killer) is said here.
        stop()
        let why = writerEnd() ?? "its writer process is gone"
        if !why.isEmpty { warn(Self.message(path)(why)) }
        return -1
    }

    /// How the writer ended, once it has ("": it failed and warned itself); nil when it
    /// has not ended within a moment.
    func writerEnd() -> String? {
        for _ in 0..<100 {
            switch LocalIO.reap(writer) {
            case .success(let status?):
                let signal = status & 0x7F
                if signal != 0 { return "its writer process was killed (signal \(signal))" }
                let code = (status >> 8) & 0xFF
                return code == 1 ? "" : "its writer process ended (status \(code))"
            case .success(nil): usleep(1000)
            case .failure: return "its writer process is gone"
            }
        }
        return nil
    }

    /// The writer's pid (tests stop and kill it).
    var writerPID: pid_t { writer }

    private func end(_ why: String) {
        stop()
        warn(Self.message(path)(why))
    }

    private func stop() {
        stopped = true
        waiting = []
        sent = 0
        if pipe >= 0 { Glibc.close(pipe) }
        pipe = -1
    }

    /// Hands over the last lines, closes the pipe and waits up to `timeout` seconds for
    /// the writer to finish the file (it finishes it later if the disk is slower).
    public func close(last lines: inout [UInt8], timeout: Double = 5) {
        var status: Int32 = 0
        // Ended before: a writer that failed has exited (reaped here); a stalled one is
        // left to finish on its own.
        if stopped { return _ = waitpid(writer, &status, WNOHANG) }
        let deadline = monotonicNanoseconds() &+ UInt64(timeout * 1e9)
        let late = "the disk did not take the last of it within \(Int(timeout)) s"
        handOver(&lines)
        while !stopped && sent < waiting.count {
            let now = monotonicNanoseconds()
            if now >= deadline { return end(late) }
            var p = pollfd(fd: pipe, events: Int16(POLLOUT), revents: 0)
            _ = poll(&p, 1, Int32(min(100, (deadline - now) / 1_000_000 + 1)))
            var none: [UInt8] = []
            handOver(&none, now: now)
        }
        if stopped { return _ = waitpid(writer, &status, WNOHANG) }
        stop()
        // The writer ends at the pipe's end (a writer that fails now warns itself).
        while true {
            if case .success(nil) = LocalIO.reap(writer) {} else { return }
            if monotonicNanoseconds() >= deadline { return warn(Self.message(path)(late)) }
            usleep(2000)
        }
    }

    deinit {
        if pipe >= 0 { Glibc.close(pipe) }
    }
}
