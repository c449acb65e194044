import Glibc

/// An `ExecEventLoop` on a thread of its own, for callers on other threads (the async
/// API): blocking work never runs on Swift's cooperative pool. Jobs are closures run on
/// the loop's thread, in order, handed over through its `ExecLoopMailbox`.
public final class ExecEventLoopThread: Sendable {
    /// One loop thread for the process, started on first use.
    public static let shared = ExecEventLoopThread()

    private let mailbox: ExecLoopMailbox

    private init() {
        guard let mailbox = ExecLoopMailbox() else { preconditionFailure("pipe failed: the process is out of descriptors") }
        self.mailbox = mailbox
        let start = Unmanaged.passRetained(Box {
            let loop = ExecEventLoop()
            loop.mailbox = mailbox
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
        mailbox.post(job)
    }

    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }
}
