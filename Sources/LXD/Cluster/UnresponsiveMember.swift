/// A request timed out in a cluster, and this is the member it waited on: the one
/// holding the instance (its `location`), with its address and status from the cluster
/// database. Carried by `LXDError.memberUnresponsive`.
public struct UnresponsiveMember: Sendable, Equatable, CustomStringConvertible {
    /// The instance the request was about.
    public var instance: String
    /// The member holding it (the instance's `location`).
    public var member: String
    /// The member's API address from `GET /1.0/cluster/members/<member>`, when learned.
    public var address: String?
    /// The member's status in the database ("Online" until heartbeats have been
    /// missing for `cluster.offline_threshold`), when learned.
    public var status: String?
    /// The database's note on that status.
    public var statusMessage: String?
    /// What timed out, as the timeout said it ("timed out after 17 s waiting for ...").
    public var waited: String

    /// An unresponsive member with what is known of it.
    public init(instance: String, member: String, address: String? = nil, status: String? = nil,
                statusMessage: String? = nil, waited: String) {
        self.instance = instance
        self.member = member
        self.address = address
        self.status = status
        self.statusMessage = statusMessage
        self.waited = waited
    }

    /// One line: "cluster member node3 (https://127.0.1.3:8443), which holds c1, did not
    /// answer: timed out after 17 s waiting for LXD to answer POST /1.0/instances/c1/exec".
    public var description: String {
        var details: [String] = []
        if let address, !address.isEmpty { details.append(address) }
        if let status, !status.isEmpty, status != "Online" {
            let note = statusMessage.map { $0.split(separator: "\n").first.map(String.init) ?? "" } ?? ""
            details.append("status \(status)" + (note.isEmpty ? "" : ": \(note)"))
        }
        let about = details.isEmpty ? "" : " (\(details.joined(separator: ", ")))"
        return "cluster member \(member)\(about), which holds \(instance), did not answer: \(waited)"
    }
}
