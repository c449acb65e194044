import Transport

extension LXDClient {
    /// `exec(instance:_:)`, with two things around it for clusters:
    ///
    /// - the POST that starts the command is bounded by `timeouts.execStart` (17 s), not
    ///   `timeouts.request`: in a cluster the member we talk to forwards it to the
    ///   instance's member, and a frozen member makes it wait until our deadline;
    /// - when it times out, the error names the member holding the instance and its
    ///   address (`explainTimeout`), found in a few more seconds at most, not a second
    ///   full timeout.
    ///
    /// Errors the daemon sends (e.g. for a member already marked offline) pass unchanged.
    public func execNamingMember(instance: String, _ request: ExecRequest) throws(LXDError) -> ExecSession {
        do {
            return try exec(instance: instance, request)
        } catch {
            throw explainSetupFailure(error, instance: instance)
        }
    }

    /// `execNamingMember` on the instance's own cluster member when `router` knows it
    /// (falling back to this client's member, which forwards, when that one cannot be
    /// reached); the operation's member is then remembered for the next exec.
    public func exec(instance: String, _ request: ExecRequest, router: ClusterRouter?) throws(LXDError) -> ExecSession {
        let loop = ExecEventLoop()
        var outcome: Result<ExecSession, LXDError>?
        loop.start(self, direct: router?.direct(for: instance), instance: instance, request,
                   attached: { outcome = .success($0) }, failed: { outcome = .failure($0) },
                   fellBack: { member, _ in router?.unreachable(member) })
        try loop.run()
        switch outcome {
        case .success(let session)?:
            router?.learn(instance: instance, member: session.location)
            return session
        case .failure(let error)?:
            throw explainSetupFailure(error, instance: instance)
        case nil:
            throw .sessionLost("the set-up ended without an outcome")
        }
    }

    /// A set-up's error as the user reads it: a timeout names the cluster member that
    /// holds `instance` when there is one (at most 2.5 s more, less under a short
    /// LXATTACH_TIMEOUT: 17 + 2.5 < 20 s); any other error unchanged. Blocks for the
    /// lookup: call it off an event loop that serves other sessions
    /// (`ExecEventLoop.offload`), or accept the pause.
    public func explainSetupFailure(_ error: LXDError, instance: String) -> LXDError {
        explainTimeout(error, instance: instance, budget: min(2.5, timeouts.execStart / 2))
    }

    /// When `error` is a timeout and the server is a cluster member: the same error
    /// naming the member that holds `instance` (`.memberUnresponsive`). Otherwise, or
    /// when the member cannot be learned within `budget` seconds, `error` itself.
    ///
    /// Only requests the cluster database answers are used (GET /1.0, the storage
    /// pools' volume lists, GET /1.0/cluster/members/<name>): ~0.1 s each with a frozen
    /// member, where GET /1.0/instances/<name> would wait on it again.
    public func explainTimeout(_ error: LXDError, instance: String, budget: Double = 3) -> LXDError {
        guard error.isTimeout else { return error }
        let deadline = Deadline.after(seconds: budget)
        func left() -> Double? {
            let ms = deadline.remainingMilliseconds
            return ms > 0 ? Double(ms) / 1000 : nil
        }
        let original = error
        let location: String
        do throws(LXDError) {
            guard let t = left(), try cluster.isClustered(timeout: t) else { return original }
            guard let t2 = left(), let found = try cluster.locate(instance: instance, timeout: t2) else { return original }
            location = found
        } catch {
            return original   // not the lookup's own failure: what the caller waited for
        }
        var member = UnresponsiveMember(instance: instance, member: location, waited: original.description)
        if let t = left(), let info = try? cluster.member(location, timeout: t) {
            member.address = info.url
            member.status = info.status
            member.statusMessage = info.message
        }
        return .memberUnresponsive(member)
    }
}

extension LXDError {
    /// A deadline of ours passed (as opposed to the daemon answering with an error).
    public var isTimeout: Bool {
        switch self {
        case .timedOut, .transport(.timedOut), .http(.transport(.timedOut)): return true
        default: return false
        }
    }
}
