import Glibc
import Transport

/// Names one session of an `ExecEventLoop`.
public typealias ExecSessionID = Int

/// One thread, one poll(2), any number of exec sessions. Each session's protocol is its
/// `ExecSessionMachine`; the loop owns the descriptors and time, and hands each ready
/// descriptor to its session's driver. The CLI's single exec is N = 1.
///
/// ```swift
/// let loop = ExecEventLoop()
/// loop.add(session, io: ExecIO(input: .none, stdout: .discard, stderr: .discard)) { result in … }
/// try loop.run()
/// ```
public final class ExecEventLoop {
    private var drivers: [ExecSessionDriver] = []
    /// Sessions still being set up (connect, TLS, POST, upgrades), all at once.
    private var setups: [ExecSetupDriver] = []
    /// Hooks for every session (a signal relay that forwards to all of them).
    private let hooks: ExecHooks?
    /// Unchecked exclusivity: used by the loop's thread only, in `turn` (checked, it cost
    /// a runtime call per access, every turn).
    @exclusivity(unchecked) private var poller = ExecPoller()
    private var nextID: ExecSessionID = 0
    /// How other threads hand work to this loop's thread (`ExecEventLoopThread`'s jobs,
    /// `offload`'s results); polled when there is one.
    var mailbox: ExecLoopMailbox?
    /// Work `offload` runs on other threads (started, or waiting for a turn)...
    var offloads = OffloadQueue<() -> Void>(limit: 8)
    /// ...and what to do, on this thread, with each one's result.
    var offloadDone: [Int: (any Sendable) -> Void] = [:]
    var nextOffload = 0
    /// Longest wait in one poll: deadlines are exact, this only bounds surprises.
    static let maxWaitMilliseconds: Int32 = 1000

    /// A loop with no sessions; `hooks` sees every session's events.
    public init(hooks: ExecHooks? = nil) {
        self.hooks = hooks
    }

    /// Sessions not finished yet (set-ups included), and offloaded work whose result has
    /// not been handed back yet (`offload`).
    public var activeCount: Int { drivers.count { !$0.isDone } + setups.count { !$0.isDone } + offloads.count }

    /// Starts `request` in `instance` on `client` without blocking: the set-up (connect,
    /// TLS handshake, POST, websocket upgrades, the `/wait`) runs inside this loop beside
    /// every other session's, each step as soon as it can go (see `ExecSetupMachine`).
    /// `attached` runs on the loop's thread with the session: add it with `add(_:io:…)`
    /// (its local side, a terminal's raw mode say, can start there). `failed` runs when
    /// the set-up cannot finish, with the error (the other sessions go on).
    public func start(_ client: LXDClient, instance: String, _ request: ExecRequest, awaitsStatus: Bool = true,
                      attached: @escaping (ExecSession) -> Void, failed: @escaping (LXDError) -> Void) {
        start(client, plan: client.setupPlan(instance: instance, request, awaitsStatus: awaitsStatus),
              attached: attached, failed: failed)
    }

    /// `start` with a plan made by the caller.
    public func start(_ client: LXDClient, plan: ExecSetupPlan,
                      attached: @escaping (ExecSession) -> Void, failed: @escaping (LXDError) -> Void) {
        start(client, plan: plan, attached: attached, failed: { error, _ in failed(error) })
    }

    /// `start`, telling a failure how far the set-up came.
    func start(_ client: LXDClient, plan: ExecSetupPlan, attached: @escaping (ExecSession) -> Void,
               failed: @escaping (LXDError, SetupFailureStage) -> Void) {
        let now = monotonicNanoseconds()
        let setup = ExecSetupDriver(client: client, plan: plan, now: now, attached: attached, failed: failed)
        setups.append(setup)
        setup.start(now: now)
    }

    /// Adds a started session; `completion` runs on the loop's thread when it ends.
    /// Returns the session's id for `control(_:_:)`.
    @discardableResult
    public func add(_ session: ExecSession, io: ExecIO, hooks: ExecHooks? = nil,
                    configuration: ExecSessionMachine.Configuration = ExecSessionMachine.Configuration(),
                    completion: @escaping (Result<ExecResult, LXDError>) -> Void) -> ExecSessionID {
        let now = monotonicNanoseconds()
        nextID += 1
        let driver = ExecSessionDriver(id: nextID, session: session, io: io, hooks: hooks, configuration: configuration,
                                       loop: self, now: now, completion: completion)
        drivers.append(driver)
        driver.start(now: now)
        return nextID
    }

    /// Requests for one session (a signal, a resize, a kill); ignored once it ended.
    public func control(_ id: ExecSessionID, _ actions: [ExecControlAction]) {
        guard let d = drivers.first(where: { $0.id == id && !$0.isDone }) else { return }
        d.control(actions, now: monotonicNanoseconds())
    }

    /// Runs until every session has ended and every offloaded work's result is back.
    /// Throws only when poll(2) itself fails.
    public func run() throws(LXDError) {
        while true {
            drivers.removeAll { $0.isDone }
            setups.removeAll { $0.isDone }
            if drivers.isEmpty && setups.isEmpty && offloads.count == 0 { return }
            try turn()
        }
    }

    /// Runs for ever, waiting on `mailbox` when there is no session (`ExecEventLoopThread`).
    func runForever() -> Never {
        while true {
            drivers.removeAll { $0.isDone }
            setups.removeAll { $0.isDone }
            do { try turn() } catch { usleep(10_000) }  // poll(2) failing is not a state to spin in
        }
    }

    /// One turn: work without readiness, one poll, the ready descriptors, the deadlines.
    private func turn() throws(LXDError) {
        var now = monotonicNanoseconds()
        for d in drivers { d.beforePoll(now: now) }
        poller.reset()
        for (i, d) in drivers.enumerated() where !d.isDone { d.register(&poller, index: i) }
        for (i, s) in setups.enumerated() where !s.isDone { s.register(&poller, index: i) }
        if let fd = hooks?.pollDescriptor { poller.add(fd, Int16(POLLIN), session: -1, source: .hooks) }
        if let mailbox { poller.add(mailbox.readDescriptor, Int16(POLLIN), session: -2, source: .hooks) }

        var timeout = Self.maxWaitMilliseconds
        var buffered = false
        var next: ExecInstant?
        for d in drivers where !d.isDone {
            if d.hasBufferedInput { buffered = true; break }
            if let t = d.machine.nextDeadline { next = min(next ?? t, t) }
        }
        for s in setups where !s.isDone {
            if s.hasBufferedInput { buffered = true }
            if let t = s.nextDeadline { next = min(next ?? t, t) }
        }
        if buffered {
            timeout = 0
        } else if let next {
            let ms = next > now ? (next - now + 999_999) / 1_000_000 : 0
            timeout = Int32(min(UInt64(timeout), ms))
        }
        do {
            _ = try poller.poll(timeoutMilliseconds: timeout)
        } catch {
            throw .transport(error)
        }
        now = monotonicNanoseconds()
        for i in 0..<poller.count {
            guard let (session, source, revents) = poller.ready(i) else { continue }
            if session == -2 {
                for job in mailbox?.take() ?? [] { job(self) }
            } else if session < 0 {
                broadcast(hooks?.readable() ?? [], now: now)
            } else if case .setup(let link) = source {
                setups[session].ready(link, revents: revents, now: now)
            } else {
                drivers[session].ready(source, revents: revents, now: now)
            }
        }
        for d in drivers where !d.isDone { d.readBuffered(now: now) }
        for s in setups where !s.isDone { s.readBuffered(now: now) }
        if let hooks { broadcast(hooks.check(), now: now) }
        for d in drivers where !d.isDone { d.tick(now: now) }
        for s in setups where !s.isDone { s.tick(now: now) }
    }

    private func broadcast(_ actions: [ExecControlAction], now: ExecInstant) {
        guard !actions.isEmpty else { return }
        for d in drivers where !d.isDone { d.control(actions, now: now) }
    }

    /// A local write is blocked (a slow reader) and a signal interrupted it: serve the
    /// hooks and the local deadlines (SIGTERM grace, timeout) of every session, but not
    /// the keepalive: the sockets are silent because we are not reading them. Output
    /// sinks of their own (fan-out's line writers) call it when their write is blocked.
    public func serviceWhileBlocked() {
        let now = monotonicNanoseconds()
        broadcast(hooks?.readable() ?? [], now: now)
        for d in drivers where !d.isDone {
            if let h = d.hooks { d.control(h.readable(), now: now) }
            d.tick(now: now, readingSockets: false)
        }
    }
}

extension ExecSession {
    /// Moves bytes until the command ends and returns its status: this session alone on
    /// an `ExecEventLoop` (see `ExecSessionMachine` for the protocol's rules).
    public func run(_ io: ExecIO, hooks: ExecHooks? = nil,
                    configuration: ExecSessionMachine.Configuration = ExecSessionMachine.Configuration()) throws(LXDError) -> ExecResult {
        let loop = ExecEventLoop()
        var outcome: Result<ExecResult, LXDError>?
        loop.add(self, io: io, hooks: hooks, configuration: configuration) { outcome = $0 }
        try loop.run()
        guard let outcome else { throw .sessionLost("the session ended without an outcome") }
        return try outcome.get()
    }
}
