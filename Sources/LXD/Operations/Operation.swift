import JSON

/// One LXD operation (`GET /1.0/operations/<id>`), e.g. a running exec.
///
/// The typed fields are what callers decide on; `raw` keeps the daemon's object in its
/// own key order for display (`operation show`).
public struct Operation: Sendable {
    /// The operation's id (a UUID).
    public var id: String
    /// `class`: `task`, `websocket` or `token`.
    public var operationClass: String
    /// What it does (e.g. "Executing command").
    public var description: String
    /// `created_at`, as the daemon wrote it.
    public var createdAt: String
    /// `updated_at`, as the daemon wrote it.
    public var updatedAt: String
    /// `Running`, `Success`, `Failure`, `Cancelled`, ….
    public var status: String
    /// The status's code (103 running, 200 success, 400 failure, 401 cancelled).
    public var statusCode: Int
    /// Whether `DELETE` can cancel it.
    public var mayCancel: Bool
    /// Why it failed; empty otherwise.
    public var err: String
    /// The cluster member running it (`none` outside a cluster).
    public var location: String
    /// Its `metadata` (an exec's `return`, `fds`, `output`).
    public var metadata: JSONValue
    /// The objects it concerns (`resources`).
    public var resources: JSONValue
    /// The daemon's object, in its own key order.
    public var raw: JSONValue

    /// Final statuses have codes ≥ 200 (Success 200, Failure 400, Cancelled 401).
    public var isFinal: Bool { statusCode >= 200 }
    /// Final with Success.
    public var succeeded: Bool { statusCode == 200 }

    /// The exec command's exit status (`metadata.return`), when the daemon set it.
    public var exitStatus: Int? { metadata["return"]?.intValue }

    /// Reads an operation object; throws when it has no `id`.
    public init(_ value: JSONValue) throws(LXDError) {
        guard case .object = value, let id = value["id"]?.stringValue else {
            throw .protocolViolation("operation object without an id")
        }
        self.id = id
        operationClass = value["class"]?.stringValue ?? ""
        description = value["description"]?.stringValue ?? ""
        createdAt = value["created_at"]?.stringValue ?? ""
        updatedAt = value["updated_at"]?.stringValue ?? ""
        status = value["status"]?.stringValue ?? ""
        statusCode = value["status_code"]?.intValue ?? 0
        mayCancel = value["may_cancel"]?.boolValue ?? false
        err = value["err"]?.stringValue ?? ""
        location = value["location"]?.stringValue ?? ""
        metadata = value["metadata"] ?? .null
        resources = value["resources"] ?? .null
        raw = value
    }
}
