import HTTP
import JSON
import Synchronization
import Transport
import WebSocket

extension LXDClient {
    /// What an exec's set-up sends to this remote: the POST for `request` on `instance`,
    /// fresh websocket keys, the client's Host, project and timeouts.
    public func setupPlan(instance: String, _ request: ExecRequest, awaitsStatus: Bool = true) -> ExecSetupPlan {
        setupPlan(path: "/1.0/instances/\(percentEncode(instance))/exec", body: request.body,
                  interactive: request.interactive, awaitsStatus: awaitsStatus)
    }

    /// The plan of any POST answered by an operation with websockets (an exec, a console).
    func setupPlan(path: String, body: JSONValue, interactive: Bool, awaitsStatus: Bool) -> ExecSetupPlan {
        let post = HTTPRequest.json("POST", target(path), body: body.serializedBytes())
        var keys: [ExecStream: String] = [:]
        let sockets: [ExecStream] = interactive ? [.control, .stdin] : [.control, .stdin, .stdout, .stderr]
        for fd in sockets { keys[fd] = WebSocketHandshake.makeKey() }
        var plan = ExecSetupPlan(post: HTTPRequestWriter.serialize(post, host: hostHeader, userAgent: HTTPConnection.defaultUserAgent),
                                 postDescription: "POST " + path, interactive: interactive,
                                 host: hostHeader, address: addressDescription, keys: keys)
        plan.awaitsStatus = awaitsStatus
        if case .unix(let socket) = remote.endpoint {
            plan.connectWhat = "connect to " + socket
            // A round trip here is ~0.1 ms: 0/1/2 wait for control's answer (lxc's order).
            plan.controlAttachesFirst = true
        } else {
            plan.connectWhat = "connect to " + hostHeader
        }
        // `target` adds `project=` when one is selected; the path part is dropped.
        let query = target("", query: [("timeout", "-1")])
        plan.waitQuery = query
        let t = timeouts
        plan.connectSeconds = t.connect
        plan.postSeconds = t.execStart
        plan.attachSeconds = t.connect
        return plan
    }

    /// Runs `plan`'s set-up on a loop of its own, blocking until attached.
    func attach(_ plan: ExecSetupPlan) throws(LXDError) -> ExecSession {
        let loop = ExecEventLoop()
        var outcome: Result<ExecSession, LXDError>?
        loop.start(self, plan: plan, attached: { outcome = .success($0) }, failed: { outcome = .failure($0) })
        try loop.run()
        guard let outcome else { throw .sessionLost("the set-up ended without an outcome") }
        return try outcome.get()
    }

    /// The remote's addresses, looked up once for the client's life (every connection of
    /// every set-up starts from them): one name lookup per remote.
    func resolvedAddresses() throws(TransportError) -> ResolvedAddresses {
        guard case .https(let host, let port, _) = remote.endpoint else {
            throw .tlsConfiguration("not a TCP remote")
        }
        if let known = addressCache.withLock({ $0.addresses }) { return known }
        let found = try ResolvedAddresses.resolve(host: host, port: UInt16(clamping: port))
        addressCache.withLock { $0.addresses = found }
        return found
    }
}

/// `LXDClient`'s looked-up addresses.
struct AddressCache: Sendable {
    var addresses: ResolvedAddresses?
}
