import JSON

/// LXD's operations API (`/1.0/operations`), where exec lives.
///
/// Exec operations vanish 5 s after they end; `wait` is how to catch their result.
public struct Operations: Sendable {
    let client: LXDClient

    /// `GET /1.0/operations?recursion=1`: all operations, every status, of the client's
    /// project; with `allProjects`, of every project. Servers with the
    /// `operations_get_query_all_projects` extension answer that in one request; older
    /// ones (LXD 5.0.2 ignores `all-projects=true`) are asked project by project.
    public func list(allProjects: Bool = false) throws(LXDError) -> [Operation] {
        guard allProjects else { return try list(query: [], project: true) }
        if try client.hasExtension("operations_get_query_all_projects") {
            return try list(query: [("all-projects", "true")], project: false)
        }
        var result: [Operation] = []
        for project in try client.projectNames() {
            result += try list(query: [("project", project)], project: false)
        }
        result.sort { $0.createdAt < $1.createdAt }
        return result
    }

    private func list(query extra: [(String, String)], project: Bool) throws(LXDError) -> [Operation] {
        let query = [("recursion", "1")] + extra
        let metadata = try client.send("GET", client.target("/1.0/operations", query: query, project: project)).metadata
        guard case .object(let byStatus) = metadata else {
            if metadata.isNull { return [] }
            throw .protocolViolation("operations list is not an object")
        }
        var result: [Operation] = []
        for (_, list) in byStatus {
            for item in list.arrayValue ?? [] {
                result.append(try Operation(item))
            }
        }
        result.sort { $0.createdAt < $1.createdAt }
        return result
    }

    /// `GET /1.0/operations/<id>`.
    public func get(_ id: String) throws(LXDError) -> Operation {
        try Operation(client.send("GET", client.target("/1.0/operations/" + percentEncode(id))).metadata)
    }

    /// `DELETE /1.0/operations/<id>`: asks the daemon to cancel. LXD 5.0 refuses for exec
    /// operations (`may_cancel: false`) with 400 "This operation can't be cancelled".
    public func delete(_ id: String) throws(LXDError) {
        try client.send("DELETE", client.target("/1.0/operations/" + percentEncode(id)))
    }

    /// `GET /1.0/operations/<id>/wait?timeout=N`: blocks until the operation is final or
    /// `timeout` seconds pass (nil: no limit), then returns the operation as it is then
    /// (still running after a timeout). LXD ≥ 5.20 answers a failed operation with an
    /// error envelope instead of the operation; then this reads the operation at once,
    /// while it still exists.
    public func wait(_ id: String, timeout: Double? = nil) throws(LXDError) -> Operation {
        let seconds = timeout.map { max(0, Int($0.rounded(.up))) } ?? -1
        let path = "/1.0/operations/" + percentEncode(id) + "/wait"
        let httpTimeout = timeout.map { $0 + client.timeouts.request } ?? 365 * 24 * 3600
        do {
            return try Operation(client.send("GET", client.target(path, query: [("timeout", String(seconds))]), timeout: httpTimeout).metadata)
        } catch {
            if case .api(let code, _) = error, code != 404, code != 403 {
                if let op = try? get(id) { return op }
            }
            throw error
        }
    }
}
