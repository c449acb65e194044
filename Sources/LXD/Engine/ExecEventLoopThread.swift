import Glibc
import Synchronization

/// An `ExecEventLoop` on a thread of its own, for callers on other threads (the async
/// API): blocking work never runs on Swift's cooperative pool. Jobs are closures run on
/// the loop's thread, in order; a byte on a pipe wakes the loop for them.
public final class ExecEventLoopThread: Sendable {
    /// One loop thread for the process, started on first use.
    public static let shared = ExecEventLoopThread()

    private let jobs = JobQueue()
    private let wakeWrite: Int32

    private final class JobQueue: Sendable {
        let pending = Mutex<[@Sendable (ExecEventLoop) -> Void]>([])
        func take() -> [@Sendable (ExecEventLoop) -> Void] {
            pending.withLock { all in
                defer { all.removeAll() }
                return all
            }
        }
    }

    private init() {
        var fds: [Int32] = [-1, -1]
        precondition(pipe(&fds) == 0, "pipe failed: the process is out of descriptors")
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeWrite = fds[1]
        let wakeRead = fds[0]
        let start = Unmanaged.passRetained(Box { [jobs] in
            let loop = ExecEventLoop()
            loop.waker = (wakeRead, {
                var sink = [UInt8](repeating: 0, count: 64)
                while sink.withUnsafeMutableBytes({ read(wakeRead, $0.baseAddress, $0.count) }) > 0 {}
                for job in jobs.take() { job(loop) }
            })
            loop.runForever()
        })
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { context in
            Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
            return nil
        }, start.toOpaque())
        precondition(rc == 0, "pthread_create failed (\(rc))")
        pthread_detach(thread)
    }

    /// Runs `job` on the loop's thread (soon, in submission order).
    public func submit(_ job: @escaping @Sendable (ExecEventLoop) -> Void) {
        jobs.pending.withLock { $0.append(job) }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)  // a full pipe already means "wake up"
    }

    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }
}
