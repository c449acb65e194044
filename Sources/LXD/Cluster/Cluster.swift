import JSON

/// What a client can learn about an LXD cluster from any member, without waiting on
/// the others: every call here is answered from the cluster database (GET /1.0,
/// /1.0/cluster/members, storage volume lists), never forwarded to another member.
///
/// Measured on LXD 5.0.2 with one member frozen (SIGSTOP): these answer in ~0.1 s,
/// while `GET /1.0/instances/<name>` (forwarded to the instance's member) and
/// `GET /1.0/instances?recursion=1` (asks every member) wait for the frozen one.
public struct Cluster: Sendable {
    let client: LXDClient

    /// `GET /1.0`'s `environment.server_clustered`.
    public func isClustered(timeout: Double? = nil) throws(LXDError) -> Bool {
        let metadata = try client.send("GET", client.target("/1.0", project: false), timeout: timeout).metadata
        return metadata["environment"]?["server_clustered"]?.boolValue ?? false
    }

    /// `GET /1.0/cluster/members?recursion=1`, in the database's order.
    public func members(timeout: Double? = nil) throws(LXDError) -> [ClusterMember] {
        let metadata = try client.send("GET", client.target("/1.0/cluster/members", query: [("recursion", "1")], project: false),
                                       timeout: timeout).metadata
        if metadata.isNull { return [] }
        guard let items = metadata.arrayValue else { throw .protocolViolation("cluster member list is not an array") }
        var result: [ClusterMember] = []
        for item in items { result.append(try ClusterMember(item)) }
        return result
    }

    /// `GET /1.0/cluster/members/<name>`.
    public func member(_ name: String, timeout: Double? = nil) throws(LXDError) -> ClusterMember {
        try ClusterMember(client.send("GET", client.target("/1.0/cluster/members/" + percentEncode(name), project: false),
                                      timeout: timeout).metadata)
    }

    /// The member that holds `instance` (in the client's project), or nil when no
    /// storage pool has its volume.
    ///
    /// Found through the storage pools' volume lists (`GET /1.0/storage-pools/<pool>/
    /// volumes?recursion=1`), which carry each volume's `location` from the database;
    /// the instance's own endpoint would be forwarded to that member and wait on it.
    public func locate(instance: String, timeout: Double? = nil) throws(LXDError) -> String? {
        let pools = try client.send("GET", client.target("/1.0/storage-pools", project: false), timeout: timeout).metadata
        for url in (pools.arrayValue ?? []).compactMap(\.stringValue) {
            guard let pool = Self.lastComponent(url) else { continue }
            let path = "/1.0/storage-pools/" + percentEncode(pool) + "/volumes"
            let volumes = try client.send("GET", client.target(path, query: [("recursion", "1")]), timeout: timeout).metadata
            if let location = Self.location(of: instance, inVolumes: volumes) { return location }
        }
        return nil
    }

    /// The `location` of the instance volume (container or virtual machine) named `instance`.
    static func location(of instance: String, inVolumes volumes: JSONValue) -> String? {
        for volume in volumes.arrayValue ?? [] {
            guard volume["name"]?.stringValue == instance else { continue }
            switch volume["type"]?.stringValue {
            case "container", "virtual-machine":
                if let location = volume["location"]?.stringValue, !location.isEmpty, location != "none" { return location }
            default:
                continue
            }
        }
        return nil
    }

    /// "/1.0/storage-pools/my%20pool" → "my pool".
    static func lastComponent(_ url: String) -> String? {
        let path = url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
        guard let last = path.split(separator: "/").last, !last.isEmpty else { return nil }
        return percentDecode(String(last))
    }
}

extension LXDClient {
    /// The cluster API (membership, where an instance lives).
    public var cluster: Cluster { Cluster(client: self) }
}

/// Decodes %XX escapes (invalid ones are kept as they are).
func percentDecode(_ s: String) -> String {
    var bytes: [UInt8] = []
    var utf8 = Array(s.utf8)[...]
    func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
    while let b = utf8.first {
        if b == UInt8(ascii: "%"), utf8.count >= 3,
           let hi = hex(utf8[utf8.startIndex + 1]), let lo = hex(utf8[utf8.startIndex + 2]) {
            bytes.append(hi << 4 | lo)
            utf8 = utf8.dropFirst(3)
        } else {
            bytes.append(b)
            utf8 = utf8.dropFirst()
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}
