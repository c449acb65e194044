import Glibc
import Synchronization
import Transport

/// How other threads hand work to an `ExecEventLoop`'s thread: `post` queues a job and
/// writes a byte on a pipe the loop polls; the loop then runs the jobs posted so far, in
/// order, on its own thread. Thread-safe. Used by `ExecEventLoopThread` (jobs submitted
/// from anywhere) and `ExecEventLoop.offload` (results of work done on other threads).
final class ExecLoopMailbox: Sendable {
    private let jobs = Mutex<[@Sendable (ExecEventLoop) -> Void]>([])
    /// The end the loop polls.
    let readDescriptor: Int32
    private let writeDescriptor: Int32

    /// A mailbox with its pipe; nil when there is no pipe to be had (out of descriptors).
    init?() {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readDescriptor = fds[0]
        writeDescriptor = fds[1]
    }

    deinit {
        _ = Glibc.close(readDescriptor)
        _ = Glibc.close(writeDescriptor)
    }

    /// Queues `job` for the loop's thread and wakes the loop (from any thread).
    func post(_ job: @escaping @Sendable (ExecEventLoop) -> Void) {
        jobs.withLock { $0.append(job) }
        var byte: UInt8 = 1
        _ = LocalIO.writeOnce(writeDescriptor, &byte, 1)  // a full pipe already means "wake up"
    }

    /// On the loop's thread, once the pipe is readable: empties it, then returns the jobs
    /// posted so far. A job posted meanwhile leaves a byte behind: at worst one more wake.
    func take() -> [@Sendable (ExecEventLoop) -> Void] {
        var sink = [UInt8](repeating: 0, count: 64)
        while case .success(let n) = sink.withUnsafeMutableBytes({ LocalIO.readOnce(readDescriptor, $0.baseAddress, $0.count) }), n > 0 {}
        return jobs.withLock { all in
            defer { all.removeAll() }
            return all
        }
    }
}
