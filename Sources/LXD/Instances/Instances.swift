import JSON

/// LXD's instances API (`/1.0/instances`), the listing part.
public struct Instances: Sendable {
    let client: LXDClient

    /// `GET /1.0/instances?recursion=1`: every instance of the project (or of every
    /// project), sorted by name.
    ///
    /// In a cluster the member answering this asks every other member about its own
    /// instances, so one frozen member makes the whole list wait (the request's timeout
    /// applies). To find where one instance lives without waiting on any member, see
    /// `Cluster.locate(instance:)`.
    public func list(allProjects: Bool = false) throws(LXDError) -> [InstanceSummary] {
        var query: [(String, String)] = [("recursion", "1")]
        if allProjects { query.append(("all-projects", "true")) }
        let metadata = try client.send("GET", client.target("/1.0/instances", query: query, project: !allProjects)).metadata
        return try Self.summaries(metadata)
    }

    /// The summaries of a `recursion=1` answer's metadata (an array of instance objects).
    static func summaries(_ metadata: JSONValue) throws(LXDError) -> [InstanceSummary] {
        if metadata.isNull { return [] }
        guard let items = metadata.arrayValue else { throw .protocolViolation("instance list is not an array") }
        var result: [InstanceSummary] = []
        result.reserveCapacity(items.count)
        for item in items { result.append(try InstanceSummary(item)) }
        result.sort { ($0.project, $0.name) < ($1.project, $1.name) }
        return result
    }
}

extension LXDClient {
    /// The instances API.
    public var instances: Instances { Instances(client: self) }
}
