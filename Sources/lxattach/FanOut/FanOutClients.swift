import LXD

/// One `LXDClient` per remote of a fan-out, made on first use, and each remote's
/// instance list, fetched once. A remote that could not be reached is remembered:
/// its other instances fail at once with the same error instead of each waiting out
/// the connect timeout again.
final class FanOutClients {
    let global: GlobalSettings
    let config: LXCConfig
    let environment: ClientEnvironment
    private var clients: [String: LXDClient] = [:]
    /// Each remote's cluster router (sessions go straight to the instance's member).
    private var routers: [String: ClusterRouter] = [:]
    private var lists: [String: Result<[InstanceSummary], FanOutProblem>] = [:]
    /// Remotes found unreachable (or unusable: a config error), and why.
    private var broken: [String: FanOutProblem] = [:]

    init(global: GlobalSettings, config: LXCConfig, environment: ClientEnvironment) {
        self.global = global
        self.config = config
        self.environment = environment
    }

    /// The client for `remote`, or why there is none.
    func client(_ remote: String) -> Result<LXDClient, FanOutProblem> {
        if let e = broken[remote] { return .failure(e) }
        if let c = clients[remote] { return .success(c) }
        do {
            let client = try global.client(remote: remote, config: config, environment: environment)
            routers[remote] = try GlobalSettings.router(for: client, environment: environment)
            clients[remote] = client
            return .success(client)
        } catch {
            let problem = FanOutProblem(.failed, (error as? Failure)?.message ?? "\(error)")
            broken[remote] = problem
            return .failure(problem)
        }
    }

    /// `GET /1.0/instances?recursion=1` of `remote` (once).
    func instances(_ remote: String) -> Result<[InstanceSummary], FanOutProblem> {
        if let l = lists[remote] { return l }
        let result: Result<[InstanceSummary], FanOutProblem>
        switch client(remote) {
        case .failure(let e):
            result = .failure(e)
        case .success(let c):
            do {
                let list = try c.instances.list()
                routers[remote]?.learn(locations: list.map { ($0.name, $0.location) })
                result = .success(list)
            } catch {
                noteFailure(error, remote: remote)
                result = .failure(FanOutProblem(error))
            }
        }
        lists[remote] = result
        return result
    }

    /// The cluster router of `remote` (made with its client).
    func router(_ remote: String) -> ClusterRouter? { routers[remote] }

    /// Saves what the routers learned.
    func finish() {
        for (_, r) in routers { r.finish() }
    }

    /// An exec on `remote` failed: when it could not even connect, the remote is out of
    /// reach for its other instances too (a connection cut halfway is not remembered).
    func noteFailure(_ error: LXDError, remote: String) {
        guard case .transport(let t) = error else { return }
        switch t {
        case .unixConnectFailed, .tcpConnectFailed, .resolveFailed, .certificateRejected:
            broken[remote] = FanOutProblem(error)
        default:
            break
        }
    }
}

/// Why an instance cannot run, as the summary counts it and the user reads it.
struct FanOutProblem: Error, Equatable {
    var failure: FanOutFailure
    var message: String

    init(_ failure: FanOutFailure, _ message: String) {
        self.failure = failure
        self.message = message
    }

    init(_ error: LXDError) {
        self.init(FanOutFailure(error), error.description)
    }

    var outcome: FanOutOutcome { .failed(failure, message) }
}
