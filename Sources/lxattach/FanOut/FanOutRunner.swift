import LXD
import Transport

/// Runs one command on many instances from one thread: up to `parallel` sessions on
/// one `ExecEventLoop`, the next one started as one ends.
///
/// Sessions are set up inside the loop (`ExecEventLoop.start`): every session's
/// connections, TLS handshakes, POST and upgrades are in flight at once, each with its
/// own deadlines, so a network's round trips are paid once, not once per session, and a
/// set-up that fails ends alone; one that timed out is explained (its cluster member
/// named) on another thread, never on the loop's. Outcomes are handed to the sink at the
/// loop's safe point (`FanOutHooks.check`), never from inside a blocked write.
final class FanOutRunner {
    struct Settings {
        var request: ExecRequest
        var parallel: Int
        var configuration: ExecSessionMachine.Configuration
        /// `--timeout`, for messages.
        var timeout: Double?
        /// `--stdin`: local stdin, read once, sent to every session.
        var shareStdin = false
    }

    private let entries: [FanOutEntry]
    private let settings: Settings
    private let clients: FanOutClients
    private let sink: FanOutSink
    private let hooks: FanOutHooks
    private let loop: ExecEventLoop
    private let input: ExecSharedInput?
    private var readers: [Int: ExecSharedInput.Reader] = [:]
    private(set) var outcomes: [FanOutOutcome?]
    /// Entries still to start, in order.
    private var queue: ArraySlice<Int>
    private var active = 0
    /// Sessions ended whose outcome the sink has not had yet.
    private var ended: [(Int, FanOutOutcome)] = []

    init(entries: [FanOutEntry], settings: Settings, clients: FanOutClients, sink: FanOutSink) {
        self.entries = entries
        self.settings = settings
        self.clients = clients
        self.sink = sink
        hooks = FanOutHooks(grace: settings.configuration.terminationGrace)
        loop = ExecEventLoop(hooks: hooks)
        outcomes = Array(repeating: nil, count: entries.count)
        queue = ArraySlice(entries.indices)
        input = settings.shareStdin ? ExecSharedInput(fileDescriptor: 0) : nil
        if let input {
            // Every reader exists before the first byte is read.
            for (i, e) in entries.enumerated() { if case .run = e { readers[i] = input.reader() } }
        }
        hooks.onCheck = { [unowned self] in self.safePoint() }
        sink.whileBlocked = { [unowned self] in
            self.loop.serviceWhileBlocked()
            return !self.hooks.givesUpBlockedWrites
        }
    }

    /// Runs everything; returns each entry's outcome, in order.
    func run() throws -> [FanOutOutcome] {
        defer { hooks.restore() }
        repeat {
            safePoint()
            do { try loop.run() } catch { throw Failure(error) }
        } while !queue.isEmpty || !ended.isEmpty
        return outcomes.map { $0 ?? .failed(.failed, "no outcome") }
    }

    /// Reports what ended, then starts sessions up to the width (none after a signal).
    private func safePoint() {
        while true {
            // Reporting may write, a blocked write serves the loop, and sessions may end
            // meanwhile: take the batch first so none of those is lost.
            while !ended.isEmpty {
                let batch = ended
                ended.removeAll()
                for (i, outcome) in batch { report(i, outcome) }
            }
            guard active < settings.parallel, let i = queue.first else { return }
            queue.removeFirst()
            if let signal = hooks.interruption {
                ended.append((i, .failed(.notStarted, "not started: lxattach received \(signal)")))
                continue
            }
            start(i)
        }
    }

    private func report(_ i: Int, _ outcome: FanOutOutcome) {
        readers.removeValue(forKey: i)?.close()
        outcomes[i] = outcome
        sink.finished(i, outcome)
    }

    private func start(_ i: Int) {
        guard case .run(let target) = entries[i] else {
            if case .failed(_, let outcome) = entries[i] { ended.append((i, outcome)) }
            return
        }
        let client: LXDClient
        switch clients.client(target.remote) {
        case .failure(let problem):
            ended.append((i, problem.outcome))
            return
        case .success(let c):
            client = c
        }
        let outputs: (stdout: ExecIO.Output, stderr: ExecIO.Output)
        do {
            outputs = try sink.outputs(for: i)
        } catch {
            ended.append((i, .failed(.failed, error.message)))
            return
        }
        let io = ExecIO(input: readers[i].map { .shared($0) } ?? .none, stdout: outputs.stdout, stderr: outputs.stderr)
        let sessionHooks = FanOutSessionHooks { [unowned self] in self.sink.overflowed(i) }
        active += 1
        let timeout = settings.timeout
        let startedAt = monotonicNanoseconds()
        // The set-up runs inside the loop beside every other session's (connect, TLS,
        // POST, upgrades all in flight at once); the session joins the loop once attached.
        let router = clients.router(target.remote)
        loop.start(client, direct: router?.direct(for: target.instance), instance: target.instance, settings.request,
                   attached: { [unowned self] session in
            router?.learn(instance: target.instance, member: session.location)
            let id = self.loop.add(session, io: io, hooks: sessionHooks, configuration: self.settings.configuration) { [unowned self] result in
                self.active -= 1
                let elapsed = Double(monotonicNanoseconds() &- startedAt) / 1e9
                self.ended.append((i, FanOutOutcome(result, timeout: timeout, elapsed: elapsed)))
            }
            // A signal that came during the set-up reaches this session too.
            if let action = self.hooks.interruptionAction { self.loop.control(id, [action]) }
        }, failed: { [unowned self] error in
            // A timeout is explained by REST lookups (a cluster's member, up to 2.5 s): on
            // another thread, so the other sessions go on meanwhile, several at once. The
            // session stays active until its explanation is back.
            guard error.isTimeout else { return self.setupFailed(i, remote: target.remote, error) }
            let instance = target.instance
            self.loop.offload({ client.explainSetupFailure(error, instance: instance) }) { [unowned self] explained in
                self.setupFailed(i, remote: target.remote, explained)
            }
        }, fellBack: { member, _ in router?.unreachable(member) })
    }

    /// Entry `i`'s set-up failed with `error` (explained).
    private func setupFailed(_ i: Int, remote: String, _ error: LXDError) {
        active -= 1
        clients.noteFailure(error, remote: remote)
        ended.append((i, FanOutProblem(error).outcome))
    }
}
