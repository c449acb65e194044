import Glibc
import Transport

/// The file a session is recorded into, written by a thread of its own so that a slow
/// or stalled disk never holds up the session's loop.
///
/// The loop hands over complete lines (`handOver`, no system call unless the writer is
/// idle and must be woken); the writer writes whatever has gathered with one write(2),
/// whole lines only. A failed or short write (a full disk, an I/O error) is cut back to
/// its last whole line with ftruncate(2) and ends the recording; so does a write that has
/// not returned after `stallSeconds`, or more than `maxQueued` bytes waiting. The file then
/// holds whole lines only, and the loop is told once, with the reason (`handOver`'s
/// answer). The session itself goes on.
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
    private let shared: Shared
    private var thread = pthread_t()
    private var threadStarted = false
    private var stopped = false

    /// Bounds: bytes waiting for the disk, and seconds one write(2) may take.
    public let maxQueued: Int
    public let stallSeconds: Double

    /// Creates `path` (O_EXCL, mode 0600: a recording may hold secrets) and writes
    /// `header` (the first line) before any session starts.
    public init(creating path: String, header: [UInt8], maxQueued: Int = 64 << 20, stallSeconds: Double = 10) throws(OpenError) {
        self.path = path
        self.maxQueued = maxQueued
        self.stallSeconds = stallSeconds
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let e = errno
            throw e == EEXIST ? .exists(path) : .failed(path, errno: e)
        }
        shared = Shared(fd: fd)
        let written = header.withUnsafeBytes { LocalIO.writeAll(fd, $0) { true } }
        guard written == .written else {
            var e = EIO
            if case .failed(let why) = written { e = why }
            Glibc.close(fd)
            unlink(path)
            throw .failed(path, errno: e)
        }
        shared.committed = off_t(header.count)
        let box = Unmanaged.passRetained(shared)
        threadStarted = pthread_create(&thread, nil, { context in
            Unmanaged<Shared>.fromOpaque(context!).takeRetainedValue().writeLoop()
            return nil
        }, box.toOpaque()) == 0
        if !threadStarted {
            box.release()
            Glibc.close(fd)
            unlink(path)
            throw .failed(path, errno: EAGAIN)
        }
    }

    /// Takes `lines` (whole lines; left empty, its capacity kept) for the writer. Returns
    /// the reason once when the recording has ended (a write failed, the disk stalled),
    /// else nil; after that everything handed over is dropped.
    public func handOver(_ lines: inout [UInt8], now: UInt64 = monotonicNanoseconds()) -> String? {
        if stopped {
            lines.removeAll(keepingCapacity: true)
            return nil
        }
        let reason: String? = shared.locked {
            if let why = shared.endReason(now: now, stallNanoseconds: UInt64(stallSeconds * 1e9), maxQueued: maxQueued) {
                shared.stop()
                return why
            }
            if lines.isEmpty { return nil }
            if shared.queue.isEmpty { swap(&shared.queue, &lines) } else { shared.queue.append(contentsOf: lines) }
            if shared.queue.count > maxQueued {
                shared.stop()
                return "the disk did not keep up (more than \(maxQueued >> 20) MiB waiting)"
            }
            if shared.busySince == 0 { shared.signal() }
            return nil
        }
        lines.removeAll(keepingCapacity: true)
        if reason != nil { stopped = true }
        return reason
    }

    /// Hands over the last lines and waits up to `timeout` seconds for the writer to
    /// finish; returns the reason when the recording did not end whole (once).
    public func close(last lines: inout [UInt8], timeout: Double = 5) -> String? {
        if let why = handOver(&lines) { return why }
        if stopped { return nil }
        let deadline = monotonicNanoseconds() &+ UInt64(timeout * 1e9)
        let finished: Bool = shared.locked {
            shared.closing = true
            shared.signal()
            while !shared.writerDone {
                if !shared.wait(until: deadline) { break }
            }
            if !shared.writerDone { shared.stop() }
            return shared.writerDone
        }
        stopped = true
        if !finished {
            // The writer is stuck in write(2): leave it (and the descriptor) to the exit.
            pthread_detach(thread)
            return "the disk did not take the last of it within \(Int(timeout)) s"
        }
        pthread_join(thread, nil)
        threadStarted = false
        let failure = shared.locked { shared.failure }
        Glibc.close(shared.fd)
        return failure.map { Shared.describe($0) }
    }

    deinit {
        if threadStarted {
            shared.locked {
                shared.stop()
                shared.signal()
            }
            pthread_detach(thread)
        }
    }

    /// What the loop and the writer share, under one mutex.
    final class Shared: @unchecked Sendable {
        let fd: Int32
        private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
        /// Whole lines not written yet.
        var queue: [UInt8] = []
        /// The loop is done: write what is queued, then end.
        var closing = false
        /// Nothing more is written (a failure, a stall, the loop gave up).
        var stopped = false
        /// The writer's errno, once a write failed.
        var failure: Int32?
        /// When the write in progress started (0: none in progress).
        var busySince: UInt64 = 0
        var writerDone = false
        /// Bytes of whole lines in the file (the writer's, read under the lock).
        var committed: off_t = 0

        init(fd: Int32) {
            self.fd = fd
            pthread_mutex_init(mutex, nil)
            var attributes = pthread_condattr_t()
            pthread_condattr_init(&attributes)
            pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
            pthread_cond_init(condition, &attributes)
            pthread_condattr_destroy(&attributes)
        }

        deinit {
            pthread_cond_destroy(condition)
            pthread_mutex_destroy(mutex)
            mutex.deallocate()
            condition.deallocate()
        }

        func locked<T>(_ body: () -> T) -> T {
            pthread_mutex_lock(mutex)
            defer { pthread_mutex_unlock(mutex) }
            return body()
        }

        func signal() { pthread_cond_broadcast(condition) }

        func stop() {
            stopped = true
            queue = []
            signal()
        }

        /// Waits (locked) until signalled or `deadline` (monotonic ns); false at the deadline.
        func wait(until deadline: UInt64) -> Bool {
            let now = monotonicNanoseconds()
            guard deadline > now else { return false }
            var ts = timespec()
            clock_gettime(CLOCK_MONOTONIC, &ts)
            let total = UInt64(ts.tv_nsec) + (deadline - now)
            ts.tv_sec += Int(total / 1_000_000_000)
            ts.tv_nsec = Int(total % 1_000_000_000)
            return pthread_cond_timedwait(condition, mutex, &ts) != ETIMEDOUT
        }

        /// Why the recording must end now, if it must (locked).
        func endReason(now: UInt64, stallNanoseconds: UInt64, maxQueued: Int) -> String? {
            if let failure { return Self.describe(failure) }
            if busySince != 0, now > busySince, now - busySince > stallNanoseconds {
                return "the disk stalled (one write took over \(stallNanoseconds / 1_000_000_000) s)"
            }
            return nil
        }

        static func describe(_ e: Int32) -> String { String(cString: strerror(e)) }

        /// The writer thread: takes what is queued, writes it, until closed or stopped.
        func writeLoop() {
            var batch: [UInt8] = []
            pthread_mutex_lock(mutex)
            while true {
                while queue.isEmpty && !closing && !stopped { pthread_cond_wait(condition, mutex) }
                if stopped || queue.isEmpty { break }
                swap(&queue, &batch)
                busySince = monotonicNanoseconds()
                let start = committed
                pthread_mutex_unlock(mutex)
                let result = Self.write(fd, batch, at: start)
                pthread_mutex_lock(mutex)
                busySince = 0
                switch result {
                case .success(let n): committed = start + off_t(n)
                case .failure(let e):
                    failure = e.errno
                    committed = e.kept
                    stopped = true
                    queue = []
                }
                batch.removeAll(keepingCapacity: true)
                signal()
            }
            writerDone = true
            signal()
            pthread_mutex_unlock(mutex)
        }

        struct WriteFailure: Error {
            var errno: Int32
            var kept: off_t
        }

        /// Writes `batch` (whole lines) at the end of the file, which is `start` bytes long;
        /// a failure cuts the file back to its last whole line.
        static func write(_ fd: Int32, _ batch: [UInt8], at start: off_t) -> Result<Int, WriteFailure> {
            batch.withUnsafeBytes { bytes in
                var done = 0
                while done < bytes.count {
                    let n = Glibc.write(fd, bytes.baseAddress! + done, bytes.count - done)
                    if n > 0 {
                        done += n
                        continue
                    }
                    let e = n == 0 ? EIO : errno
                    if e == EINTR { continue }
                    // Keep the whole lines that made it; drop the part of a line.
                    var whole = done
                    while whole > 0 && bytes[whole - 1] != 0x0A { whole -= 1 }
                    let kept = start + off_t(whole)
                    _ = ftruncate(fd, kept)
                    return .failure(WriteFailure(errno: e, kept: kept))
                }
                return .success(done)
            }
        }
    }
}
