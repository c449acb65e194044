import JSON

/// One LXD operation (`GET /1.0/operations/<id>`), e.g. a running exec.
///
/// The typed fields are what callers decide on; `raw` keeps the daemon's object in its
/// own key order for display (`operation show`).
public struct Operation: Sendable {
    public var id: String
    public var operationClass: String
    public var description: String
    public var createdAt: String
    public var updatedAt: String
    public var status: String
    public var statusCode: Int
    public var mayCancel: Bool
    public var err: String
    public var location: String
    public var metadata: JSONValue
    public var resources: JSONValue
    public var raw: JSONValue

    /// Final statuses have codes ≥ 200 (Success 200, Failure 400, Cancelled 401).
    public var isFinal: Bool { statusCode >= 200 }
    public var succeeded: Bool { statusCode == 200 }

    /// The exec command's exit status (`metadata.return`), when the daemon set it.
    public var exitStatus: Int? { metadata["return"]?.intValue }

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
