import Transport

extension LXDClient {
    /// A client for the cluster member at `url` ("https://host:port"), with this client's
    /// identity and settings: its certificate and key, the pinned server certificate and
    /// the name verified in it (cluster members share one certificate), its project and
    /// timeouts. Nil when this client is not on HTTPS, `url` is not HTTPS, or it names
    /// this client's own address.
    public func memberClient(url: String) -> LXDClient? {
        guard case .https(let ourHost, let ourPort, let serverName) = remote.endpoint,
              let (host, port) = Self.hostAndPort(httpsURL: url),
              stripBrackets(host) != stripBrackets(ourHost) || port != ourPort else { return nil }
        var member = remote
        member.endpoint = .https(host: host, port: port, serverName: serverName)
        return copy(remote: member)
    }

    /// "https://10.0.0.2:8443" → ("10.0.0.2", 8443); "https://[::1]" → ("::1", 8443).
    static func hostAndPort(httpsURL url: String) -> (String, Int)? {
        guard url.hasPrefix("https://") else { return nil }
        var rest = Substring(url.dropFirst("https://".count))
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        if rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
            let host = String(rest[rest.index(after: rest.startIndex)..<close])
            let tail = rest[rest.index(after: close)...]
            if tail.isEmpty { return (host, ResolvedRemote.defaultPort) }
            guard tail.hasPrefix(":"), let port = Int(tail.dropFirst()) else { return nil }
            return (host, port)
        }
        let parts = rest.split(separator: ":", omittingEmptySubsequences: false)
        guard let host = parts.first, !host.isEmpty else { return nil }
        if parts.count == 1 { return (String(host), ResolvedRemote.defaultPort) }
        guard parts.count == 2, let port = Int(parts[1]) else { return nil }
        return (String(host), port)
    }
}

extension ExecEventLoop {
    /// How long an exec straight to a member may take to connect before it falls back to
    /// forwarding: a member on an address this client cannot route to costs this, once
    /// (its route is then remembered as unreachable).
    public static let directConnectSeconds = 3.0

    /// `start` on the instance's own cluster member: through `direct` (a `memberClient`)
    /// when given, so every byte goes straight to the member that runs the command, not
    /// through a member that forwards it. When the member cannot be reached (refused,
    /// unroutable, its certificate not accepted under that address), the set-up starts
    /// again through `client`, whose member forwards as before, and `fellBack` says why
    /// (one `--debug` line). A member that accepts the connection and then never answers
    /// (frozen) is not retried: the forwarding member would wait on it too.
    public func start(_ client: LXDClient, direct: LXDClient?, instance: String, _ request: ExecRequest,
                      attached: @escaping (ExecSession) -> Void, failed: @escaping (LXDError) -> Void,
                      fellBack: ((LXDClient, LXDError) -> Void)? = nil) {
        guard let direct else { return start(client, instance: instance, request, attached: attached, failed: failed) }
        var plan = direct.setupPlan(instance: instance, request)
        plan.connectSeconds = min(plan.connectSeconds, Self.directConnectSeconds)
        start(direct, plan: plan, attached: attached, failed: { [unowned self] error, stage in
            let fallBack: Bool
            switch stage {
            case .connecting: fallBack = true
            case .handshake: fallBack = !error.isTimeout
            case .request: fallBack = false
            }
            guard fallBack else { return failed(error) }
            client.trace?("cluster member \(direct.addressDescription) not reachable (\(error)): forwarding through \(client.addressDescription)")
            fellBack?(direct, error)
            self.start(client, instance: instance, request, attached: attached, failed: failed)
        })
    }
}
