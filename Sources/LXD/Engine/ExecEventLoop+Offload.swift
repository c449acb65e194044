extension ExecEventLoop {
    /// Runs blocking `work` (a REST lookup, say) on a thread of its own, then `done` with
    /// its result on the loop's thread, so the loop's sessions go on meanwhile. Until
    /// `done` has run the work counts as active: `run()` does not return and
    /// `activeCount` includes it. At most `offloadLimit` run at once; the others wait
    /// their turn, in order. Call it on the loop's thread (from a session's callback, say).
    public func offload<T: Sendable>(_ work: @escaping @Sendable () -> T, done: @escaping (T) -> Void) {
        nextOffload += 1
        let ticket = nextOffload
        offloadDone[ticket] = { done($0 as! T) }
        if let start = offloads.submit({ [unowned self] in self.launch(ticket, work) }) { start() }
    }

    /// Offloaded work at most running at once (8 unless set).
    public var offloadLimit: Int {
        get { offloads.limit }
        set { offloads.limit = max(1, newValue) }
    }

    private func launch<T: Sendable>(_ ticket: Int, _ work: @escaping @Sendable () -> T) {
        guard let mailbox = mailbox ?? makeMailbox() else {
            // No pipe to be had: do it here, blocking the loop, rather than never.
            deliver(ticket, work())
            return
        }
        runOnNewThread {
            let result = work()
            mailbox.post { loop in loop.deliver(ticket, result) }
        }
    }

    private func makeMailbox() -> ExecLoopMailbox? {
        mailbox = ExecLoopMailbox()
        return mailbox
    }

    /// On the loop's thread: `ticket`'s result is back; the next waiting work starts.
    private func deliver(_ ticket: Int, _ result: any Sendable) {
        let done = offloadDone.removeValue(forKey: ticket)
        if let next = offloads.finished() { next() }
        done?(result)
    }
}
