/// The bookkeeping of `ExecEventLoop.offload` (pure): at most `limit` jobs run at once,
/// the others wait their turn, in order. A job counts until it is reported finished.
struct OffloadQueue<Job> {
    /// Jobs that may run at once (at least 1).
    var limit: Int
    /// Jobs started and not reported finished.
    private(set) var running = 0
    private var waiting: [Job] = []
    private var head = 0

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Jobs started or waiting, not finished yet.
    var count: Int { running + waiting.count - head }

    /// `job` itself when it may start now (it then counts as running); nil when it waits.
    mutating func submit(_ job: Job) -> Job? {
        guard running < limit else {
            waiting.append(job)
            return nil
        }
        running += 1
        return job
    }

    /// A running job finished: the next one to start now, if one waits (it then counts
    /// as running).
    mutating func finished() -> Job? {
        precondition(running > 0, "finished without a running job")
        running -= 1
        guard head < waiting.count, running < limit else { return nil }
        let next = waiting[head]
        head += 1
        if head == waiting.count {
            waiting.removeAll()
            head = 0
        }
        running += 1
        return next
    }
}
