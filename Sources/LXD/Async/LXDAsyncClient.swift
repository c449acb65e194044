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
    /// The blocking client underneath, shared by copies of this value: its kept-alive
    /// connection serves their REST calls, and calls made at once run side by side.
    public private(set) var client: LXDClient
    /// Keepalive, SIGTERM grace, timeout of each session.
    public var configuration = ExecSessionMachine.Configuration()

    /// A client for `remote`; `project` overrides the remote's project.
    public init(remote: ResolvedRemote, project: String? = nil) {
        client = LXDClient(remote: remote, project: project)
    }

    /// Uses `client` (and its settings) for every call.
    public init(client: LXDClient) {
        self.client = client
    }

    /// Where requests go; setting it gives this value a client of its own.
    public var remote: ResolvedRemote {
        get { client.remote }
        set { client = client.copy(remote: newValue) }
    }
    /// Overrides the remote's project for every request.
    public var project: String? {
        get { client.project }
        set { ownClient().project = newValue }
    }
    /// Bounds on connecting, REST calls and starting an exec.
    public var timeouts: LXDTimeouts {
        get { client.timeouts }
        set { ownClient().timeouts = newValue }
    }

    /// The client, first copied when another value or caller shares it, so that setting
    /// `project` or `timeouts` on this value changes no other.
    private mutating func ownClient() -> LXDClient {
        if !isKnownUniquelyReferenced(&client) { client = client.copy(remote: client.remote) }
        return client
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

    /// The set-up (connect, TLS, POST, upgrades) runs on the shared loop's thread beside
    /// every other session's, each step as soon as it can go; once attached, `run` adds
    /// the session to that loop. A set-up that times out on a cluster is explained
    /// (`explainSetupFailure`) on a thread of its own, never on the loop's.
    func setUp(_ instance: String, _ request: ExecRequest, ticket: SessionTicket,
               failed: @escaping @Sendable (LXDError) -> Void,
               run: @escaping @Sendable (ExecEventLoop, ExecSession) -> ExecSessionID) {
        let client = self.client
        ExecEventLoopThread.shared.submit { loop in
            loop.start(client, instance: instance, request, attached: { session in
                let id = run(loop, session)
                if ticket.started(id) { loop.control(id, [.terminate(signal: 15, name: "SIGTERM")]) }
            }, failed: { error in
                guard error.isTimeout else { return failed(error) }
                runOnNewThread { failed(client.explainSetupFailure(error, instance: instance)) }
            })
        }
    }

    /// The operations API, off the cooperative pool.
    public var operations: AsyncOperations { AsyncOperations(client: client) }
}

/// `LXDClient.operations`, async: each call blocks a thread of its own, not the pool.
public struct AsyncOperations: Sendable {
    let client: LXDClient

    /// `GET /1.0/operations`: this project's operations, or every project's.
    public func list(allProjects: Bool = false) async throws(LXDError) -> [Operation] {
        let operations = client.operations
        return try await offPool { () throws(LXDError) in try operations.list(allProjects: allProjects) }
    }

    /// `GET /1.0/operations/<id>`.
    public func get(_ id: String) async throws(LXDError) -> Operation {
        let operations = client.operations
        return try await offPool { () throws(LXDError) in try operations.get(id) }
    }

    /// `DELETE /1.0/operations/<id>`: cancels an operation that can be cancelled.
    public func delete(_ id: String) async throws(LXDError) {
        let operations = client.operations
        try await offPool { () throws(LXDError) in try operations.delete(id) }
    }

    /// Waits (on a thread of its own) until the operation is final or `timeout` passes.
    public func wait(_ id: String, timeout: Double? = nil) async throws(LXDError) -> Operation {
        let operations = client.operations
        return try await offPool { () throws(LXDError) in try operations.wait(id, timeout: timeout) }
    }
}
