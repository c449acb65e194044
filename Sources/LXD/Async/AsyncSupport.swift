import Glibc
import Synchronization

/// Runs `body` on a new, detached thread: for blocking work (a REST call, an exec's
/// set-up) that must stay off Swift's cooperative thread pool.
func runOnNewThread(_ body: @escaping @Sendable () -> Void) {
    final class Box {
        let body: @Sendable () -> Void
        init(_ body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let context = Unmanaged.passRetained(Box(body)).toOpaque()
    var thread = pthread_t()
    let rc = pthread_create(&thread, nil, { context in
        Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
        return nil
    }, context)
    if rc == 0 {
        pthread_detach(thread)
    } else {
        Unmanaged<Box>.fromOpaque(context).release()
        body()  // no thread to be had: do it here rather than never
    }
}

/// Blocking `work` on its own thread, awaited.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws(LXDError) -> T) async throws(LXDError) -> T {
    let result: Result<T, LXDError> = await withCheckedContinuation { continuation in
        runOnNewThread {
            do throws(LXDError) { continuation.resume(returning: .success(try work())) } catch {
                continuation.resume(returning: .failure(error))
            }
        }
    }
    return try result.get()
}

/// A session's id on the shared loop, known once set up, and whether its task was
/// cancelled before that: cancellation then ends the command as SIGTERM does.
final class SessionTicket: Sendable {
    private let state = Mutex<(id: ExecSessionID?, cancelled: Bool)>((nil, false))

    /// Records the id; returns true when the task was already cancelled.
    func started(_ id: ExecSessionID) -> Bool {
        state.withLock { s in
            s.id = id
            return s.cancelled
        }
    }

    func cancel() {
        let id = state.withLock { s -> ExecSessionID? in
            s.cancelled = true
            return s.id
        }
        if let id { ExecEventLoopThread.shared.submit { $0.control(id, [.terminate(signal: 15, name: "SIGTERM")]) } }
    }

    func send(_ actions: [ExecControlAction]) {
        guard let id = state.withLock({ $0.id }) else { return }
        ExecEventLoopThread.shared.submit { $0.control(id, actions) }
    }
}
