import JSON

/// One member of an LXD cluster (`GET /1.0/cluster/members/<name>`). The cluster
/// database answers this on any member, even when the member itself is frozen.
public struct ClusterMember: Sendable, Equatable {
    /// `server_name`, what instances' `location` refers to.
    public var name: String
    /// The member's API address, e.g. "https://127.0.1.3:8443".
    public var url: String
    /// "Online", "Offline", "Evacuated", "Blocked", ... as the database has it. A member
    /// that stopped answering stays "Online" until its heartbeats have been missing for
    /// `cluster.offline_threshold` seconds (20 s by default).
    public var status: String
    /// The database's note on the status ("Fully operational", "No heartbeat for 25s ...").
    public var message: String
    /// `roles` (e.g. `database`).
    public var roles: [String]

    /// Whether the cluster sees it as `Online`.
    public var isOnline: Bool { status == "Online" }

    /// A member with these fields.
    public init(name: String, url: String, status: String, message: String = "", roles: [String] = []) {
        self.name = name
        self.url = url
        self.status = status
        self.message = message
        self.roles = roles
    }

    /// Reads one object of `GET /1.0/cluster/members?recursion=1`.
    public init(_ value: JSONValue) throws(LXDError) {
        guard case .object = value, let name = value["server_name"]?.stringValue, !name.isEmpty else {
            throw .protocolViolation("cluster member object without a server_name")
        }
        self.name = name
        url = value["url"]?.stringValue ?? ""
        status = value["status"]?.stringValue ?? ""
        message = value["message"]?.stringValue ?? ""
        roles = (value["roles"]?.arrayValue ?? []).compactMap(\.stringValue)
    }
}
