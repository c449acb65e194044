import Glibc
import Synchronization
import Transport

/// Sends each exec of one remote to the cluster member that holds the instance
/// (`memberClient`), from the routes remembered in the cache folder (`ClusterRoutes`),
/// and learns them as it goes: each exec's operation names its member, an instance
/// list names every instance's, and `/1.0/cluster/members` gives their addresses (asked
/// once, on a thread of its own while the first session runs).
///
/// Off for unix-socket remotes (a member's socket is on its own host) and with
/// `LXATTACH_CLUSTER_DIRECT=0`. Thread-safe: its state is under a lock.
public final class ClusterRouter: Sendable {
    /// The remote's client: the one every exec falls back to (its member forwards).
    public let client: LXDClient
    private let file: (path: String, directory: String)?
    private struct State {
        var routes = ClusterRoutes()
        var changed = false
        var clients: [String: LXDClient] = [:]
        /// A member list being fetched, or fetched already.
        var asked = false
        var fetching = false
    }
    private let state: Mutex<State>
    /// False for a unix-socket remote or with `LXATTACH_CLUSTER_DIRECT=0`: every exec goes through `client`.
    public let isEnabled: Bool
    /// Member addresses dialed elsewhere, "host:port" → "host:port" (`LXATTACH_CLUSTER_ADDRESS_MAP`,
    /// a measuring hook: Scripts/bench-wan puts a delay proxy in front of each member).
    private let addressMap: [String: String]

    /// A router for `client`'s remote, remembering routes in `cacheDirectory` (nil: only
    /// for this process). `addressMap`: a member whose address ("host:port", as in its
    /// URL) is a key is dialed at the value instead.
    public init(client: LXDClient, cacheDirectory: String?, enabled: Bool = true, addressMap: [String: String] = [:]) {
        self.client = client
        self.addressMap = addressMap
        var isHTTPS = false
        if case .https = client.remote.endpoint { isHTTPS = true }
        isEnabled = enabled && isHTTPS
        file = cacheDirectory.map { (ClusterRoutes.path(directory: $0, address: client.addressDescription), $0) }
        var s = State()
        if isEnabled, let file { s.routes = ClusterRoutes.load(file.path) }
        state = Mutex(s)
    }

    /// The client of `instance`'s own member when it is known, reachable and not the
    /// one `client` already talks to; nil otherwise (then exec through `client`).
    public func direct(for instance: String) -> LXDClient? {
        guard isEnabled else { return nil }
        let project = client.effectiveProject
        return state.withLock { s -> LXDClient? in
            guard let url = s.routes.memberURL(instance: instance, project: project) else { return nil }
            if let known = s.clients[url] { return known }
            guard let made = client.memberClient(url: dialed(url)) else { return nil }
            s.clients[url] = made
            return made
        }
    }

    /// `url` with its address replaced when `addressMap` names it.
    private func dialed(_ url: String) -> String {
        guard !addressMap.isEmpty, let (host, port) = LXDClient.hostAndPort(httpsURL: url) else { return url }
        let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        return addressMap[address].map { "https://" + $0 } ?? url
    }

    /// `instance` runs on `member` (an exec's operation, an instance list); the member's
    /// address is asked for when not known yet (once, on a thread of its own).
    public func learn(instance: String, member: String?) {
        guard isEnabled, let member, !member.isEmpty, member != "none" else { return }
        let project = client.effectiveProject
        let ask = state.withLock { s -> Bool in
            if s.routes.note(instance: instance, project: project, member: member) { s.changed = true }
            guard s.routes.members[member] == nil, !s.asked else { return false }
            s.asked = true
            s.fetching = true
            return true
        }
        guard ask else { return }
        runOnNewThread { [self] in
            let members = try? client.cluster.members(timeout: 3)
            state.withLock { s in
                if let members, s.routes.note(members: members) { s.changed = true }
                s.fetching = false
            }
        }
    }

    /// An instance list's locations (`instance` → member): noted, and the member list
    /// fetched now (blocking, one request) when one of those members has no known address:
    /// for a fan-out about to start sessions on them.
    public func learn(locations: [(instance: String, member: String)]) {
        guard isEnabled else { return }
        let project = client.effectiveProject
        let ask = state.withLock { s -> Bool in
            var missing = false
            for (instance, member) in locations where !member.isEmpty && member != "none" {
                if s.routes.note(instance: instance, project: project, member: member) { s.changed = true }
                if s.routes.members[member] == nil { missing = true }
            }
            guard missing, !s.asked else { return false }
            s.asked = true
            return true
        }
        guard ask, let members = try? client.cluster.members(timeout: client.timeouts.request) else { return }
        state.withLock { s in if s.routes.note(members: members) { s.changed = true } }
    }

    /// `member` could not be reached from here: forward through `client` from now on
    /// (and ask for the member list again: the member may have moved).
    public func unreachable(_ member: LXDClient) {
        state.withLock { s in
            s.routes.unreachable.insert(member.addressDescription)
            s.routes.members = s.routes.members.filter { $0.value != member.addressDescription }
            s.changed = true
        }
    }

    /// Saves what was learned, first waiting up to `seconds` for a member list in flight
    /// (asked once per remote and cache folder: the first exec on a cluster may end up
    /// to that much later, the next ones go straight to their members).
    public func finish(waitingAtMost seconds: Double = 1) {
        guard isEnabled else { return }
        let deadline = Deadline.after(seconds: seconds)
        while state.withLock({ $0.fetching }), !deadline.hasExpired { usleep(5_000) }
        let (routes, changed) = state.withLock { s -> (ClusterRoutes, Bool) in
            defer { s.changed = false }
            return (s.routes, s.changed)
        }
        if changed, let file { routes.save(file.path, directory: file.directory) }
    }
}
