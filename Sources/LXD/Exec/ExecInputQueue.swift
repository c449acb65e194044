import Synchronization

/// Input written by another thread or task (the async API's input sequences) and sent
/// by the event loop: a bounded queue, so a fast producer waits for the daemon instead
/// of filling memory.
public final class ExecInputQueue: Sendable {
    /// Buffered bytes above which `write` waits.
    public let limit: Int
    private let state = Mutex(State())
    /// Wakes the loop after new input (set by whoever runs the loop).
    private let wake: @Sendable () -> Void

    private struct State {
        var chunks: [[UInt8]] = []
        var offset = 0
        var buffered = 0
        var finished = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// A queue holding at most `limit` unsent bytes; `wake` is called after each write.
    public init(limit: Int = 1 << 20, wake: @escaping @Sendable () -> Void = {}) {
        self.limit = limit
        self.wake = wake
    }

    /// Appends `bytes`; waits while more than `limit` bytes are queued.
    public func write(_ bytes: [UInt8]) async {
        guard !bytes.isEmpty else { return }
        let full = state.withLock { s in
            s.chunks.append(bytes)
            s.buffered += bytes.count
            return s.buffered > limit
        }
        wake()
        if full {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s in
                    if s.buffered <= limit || s.finished { return true }
                    s.waiters.append(c)
                    return false
                }
                if resumeNow { c.resume() }
            }
        }
    }

    /// The end of input.
    public func finish() {
        let waiters = state.withLock { s in
            s.finished = true
            defer { s.waiters.removeAll() }
            return s.waiters
        }
        for w in waiters { w.resume() }
        wake()
    }

    /// What the loop takes: up to `max` bytes, or the end once everything was taken.
    enum Take: Equatable {
        case bytes([UInt8])
        case ended
        case empty
    }

    func take(max: Int) -> Take {
        let (take, waiters) = state.withLock { s -> (Take, [CheckedContinuation<Void, Never>]) in
            guard let first = s.chunks.first else { return (s.finished ? .ended : .empty, []) }
            let end = min(first.count, s.offset + max)
            let piece = Array(first[s.offset..<end])
            if end == first.count {
                s.chunks.removeFirst()
                s.offset = 0
            } else {
                s.offset = end
            }
            s.buffered -= piece.count
            guard s.buffered <= limit, !s.waiters.isEmpty else { return (.bytes(piece), []) }
            defer { s.waiters.removeAll() }
            return (.bytes(piece), s.waiters)
        }
        for w in waiters { w.resume() }
        return take
    }
}
