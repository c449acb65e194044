import JSON
import Transport

/// Where a cluster's instances live, remembered between runs so that an exec can go
/// straight to the instance's member without asking first: member name → address
/// (`/1.0/cluster/members`), instance → member (each exec's operation `location`, or an
/// instance list). A stale entry costs nothing but speed: any member forwards an exec for
/// an instance it does not hold, and a member that cannot be reached is left out.
///
/// Kept in the cache folder (`cluster-<hash of the remote's address>.json`, mode 0600,
/// written atomically); nothing in it is a secret.
public struct ClusterRoutes: Sendable, Equatable {
    /// Member name → its URL ("https://10.0.0.2:8443").
    public var members: [String: String] = [:]
    /// "project/instance" → member name.
    public var instances: [String: String] = [:]
    /// Member URLs that could not be reached from here (use forwarding for them).
    public var unreachable: Set<String> = []

    /// Nothing known.
    public init() {}

    /// The member URL to exec `instance` on, when known and reachable.
    public func memberURL(instance: String, project: String?) -> String? {
        guard let member = instances[Self.key(instance, project)], let url = members[member],
              !unreachable.contains(url) else { return nil }
        return url
    }

    /// Notes that `instance` runs on `member`; true when that changed anything.
    @discardableResult
    public mutating func note(instance: String, project: String?, member: String) -> Bool {
        let key = Self.key(instance, project)
        guard instances[key] != member else { return false }
        instances[key] = member
        return true
    }

    /// Takes a member list; true when that changed anything.
    @discardableResult
    public mutating func note(members list: [ClusterMember]) -> Bool {
        var map: [String: String] = [:]
        for m in list where !m.url.isEmpty { map[m.name] = m.url }
        guard map != members else { return false }
        members = map
        unreachable = unreachable.filter { map.values.contains($0) }
        return true
    }

    static func key(_ instance: String, _ project: String?) -> String { (project ?? "default") + "/" + instance }

    // MARK: - JSON

    /// The routes as the cache file holds them.
    public var json: JSONValue {
        var m = JSONObject()
        for (k, v) in members.sorted(by: { $0.key < $1.key }) { m[k] = .string(v) }
        var i = JSONObject()
        for (k, v) in instances.sorted(by: { $0.key < $1.key }) { i[k] = .string(v) }
        let o: JSONObject = ["members": .object(m), "instances": .object(i),
                             "unreachable": .array(unreachable.sorted().map { .string($0) })]
        return .object(o)
    }

    /// The routes of a cache file; nil when it is not one.
    public init?(json: JSONValue) {
        guard let m = json["members"]?.objectValue, let i = json["instances"]?.objectValue else { return nil }
        for (k, v) in m { if let s = v.stringValue { members[k] = s } }
        for (k, v) in i { if let s = v.stringValue { instances[k] = s } }
        unreachable = Set((json["unreachable"]?.arrayValue ?? []).compactMap(\.stringValue))
    }

    // MARK: - The cache file

    /// The file for a remote at `address` in `directory`.
    public static func path(directory: String, address: String) -> String {
        var hash = FNV1a64()
        hash.mix(address.utf8)
        return directory + "/cluster-" + hash.hex + ".json"
    }

    /// The routes in `path`; empty when there is no file or it is not ours.
    public static func load(_ path: String) -> ClusterRoutes {
        guard case .bytes(let bytes) = LocalIO.readFile(path, limit: 1 << 20),
              let json = try? JSONValue.parse(bytes), let routes = ClusterRoutes(json: json) else { return ClusterRoutes() }
        return routes
    }

    /// Writes the routes to `path` (best effort: a cache that cannot be written is skipped).
    public func save(_ path: String, directory: String) {
        _ = ConfigLoader.writeAtomically(json.serializedBytes(), to: path, directory: directory)
    }
}
