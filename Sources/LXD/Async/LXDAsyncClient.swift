/// The library for async Swift (services on swift-service-lifecycle, Hummingbird, Vapor).
///
/// Blocking work never runs on the cooperative thread pool: REST calls and an exec's
/// set-up run on a thread of their own, sessions on the shared `ExecEventLoopThread`
/// (one thread, one poll, all sessions). Cancelling the task ends the remote command as
/// SIGTERM does: forwarded, then ended a grace later (`configuration.terminationGrace`).
///
/// ```swift
/// let lxd = LXDAsyncClient(remote: resolved)
/// let out = try await lxd.exec(instance: "c1", ExecRequest(command: ["uname", "-r"]))
/// print(out.status, String(decoding: out.stdout, as: UTF8.self))
/// ```
public struct LXDAsyncClient: Sendable {
    public var remote: ResolvedRemote
    /// Overrides the remote's project for every request.
    public var project: String?
    public var timeouts = LXDTimeouts()
    /// Keepalive, SIGTERM grace, timeout of each session.
    public var configuration = ExecSessionMachine.Configuration()

    public init(remote: ResolvedRemote, project: String? = nil) {
        self.remote = remote
        self.project = project
    }

    /// A blocking client for one call (each call has its own connections).
    func client() -> LXDClient {
        let c = LXDClient(remote: remote, project: project)
        c.timeouts = timeouts
        return c
    }

    /// Runs `request` to completion with `input` as its stdin; returns both outputs (up to
    /// `limit` bytes each: past it the command is ended and this throws) and the status.
    public func exec(instance: String, _ request: ExecRequest, input: [UInt8] = [],
                     limit: Int = 64 << 20) async throws(LXDError) -> ExecOutput {
        let ticket = SessionTicket()
        let configuration = self.configuration
        let result: Result<ExecOutput, LXDError> = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                setUp(instance, request, ticket: ticket, failed: { continuation.resume(returning: .failure($0)) }) { loop, session in
                    let collector = ExecCollector(limit: limit)
                    return loop.add(session, io: collector.io(input: input), hooks: collector, configuration: configuration) { result in
                        do throws(LXDError) {
                            continuation.resume(returning: .success(try collector.output(try result.get())))
                        } catch {
                            continuation.resume(returning: .failure(error))
                        }
                    }
                }
            }
        } onCancel: {
            ticket.cancel()
        }
        return try result.get()
    }

    /// POST and attach on a thread of their own (a few ms; up to `timeouts.execStart`
    /// with a frozen cluster member), then `run` on the loop's thread.
    func setUp(_ instance: String, _ request: ExecRequest, ticket: SessionTicket,
               failed: @escaping @Sendable (LXDError) -> Void,
               run: @escaping @Sendable (ExecEventLoop, ExecSession) -> ExecSessionID) {
        let base = self
        runOnNewThread {
            let session: ExecSession
            do throws(LXDError) {
                session = try base.client().execNamingMember(instance: instance, request)
            } catch {
                failed(error)
                return
            }
            let handover = Handover(value: session)
            ExecEventLoopThread.shared.submit { loop in
                let id = run(loop, handover.value)
                if ticket.started(id) { loop.control(id, [.terminate(signal: 15, name: "SIGTERM")]) }
            }
        }
    }

    /// The operations API, off the cooperative pool.
    public var operations: AsyncOperations { AsyncOperations(base: self) }
}

/// `LXDClient.operations`, async.
public struct AsyncOperations: Sendable {
    let base: LXDAsyncClient

    public func list(allProjects: Bool = false) async throws(LXDError) -> [Operation] {
        let base = self.base
        return try await offPool { () throws(LXDError) in try base.client().operations.list(allProjects: allProjects) }
    }

    public func get(_ id: String) async throws(LXDError) -> Operation {
        let base = self.base
        return try await offPool { () throws(LXDError) in try base.client().operations.get(id) }
    }

    public func delete(_ id: String) async throws(LXDError) {
        let base = self.base
        try await offPool { () throws(LXDError) in try base.client().operations.delete(id) }
    }

    /// Waits (on a thread of its own) until the operation is final or `timeout` passes.
    public func wait(_ id: String, timeout: Double? = nil) async throws(LXDError) -> Operation {
        let base = self.base
        return try await offPool { () throws(LXDError) in try base.client().operations.wait(id, timeout: timeout) }
    }
}
