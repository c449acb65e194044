import JSON

/// One instance as `GET /1.0/instances?recursion=1` lists it: what a fan-out needs to
/// pick its targets (name, status, type and, in a cluster, the member it lives on).
public struct InstanceSummary: Sendable, Equatable {
    /// The instance's name.
    public var name: String
    /// "Running", "Stopped", "Frozen", "Error", ... as the daemon says it.
    public var status: String
    /// "container" or "virtual-machine".
    public var type: String
    /// The cluster member holding the instance; "none" (LXD) or "" on a standalone server.
    public var location: String
    /// The instance's project ("default" when the daemon does not say).
    public var project: String

    /// Whether its status is `Running`.
    public var isRunning: Bool { status == "Running" }

    /// A summary with these fields.
    public init(name: String, status: String, type: String, location: String, project: String = "default") {
        self.name = name
        self.status = status
        self.type = type
        self.location = location
        self.project = project
    }

    /// Reads one object of `GET /1.0/instances?recursion=1`.
    public init(_ value: JSONValue) throws(LXDError) {
        guard case .object = value, let name = value["name"]?.stringValue, !name.isEmpty else {
            throw .protocolViolation("instance object without a name")
        }
        self.name = name
        status = value["status"]?.stringValue ?? ""
        type = value["type"]?.stringValue ?? ""
        location = value["location"]?.stringValue ?? ""
        let project = value["project"]?.stringValue ?? ""
        self.project = project.isEmpty ? "default" : project
    }
}
