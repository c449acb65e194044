import JSON

extension ExecRequest {
    /// The body for a detached exec: `record-output: true`, `wait-for-websocket: false`,
    /// never interactive (LXD refuses `record-output` with either, 400). The daemon runs the
    /// command with stdin on /dev/null and writes stdout/stderr to files under
    /// `/1.0/instances/<name>/logs/`.
    public var detachedBody: JSONValue {
        guard case .object(var o) = body else { return body }
        _ = o.updateValue(false, forKey: "wait-for-websocket")
        _ = o.updateValue(true, forKey: "record-output")
        _ = o.updateValue(false, forKey: "interactive")
        _ = o.removeValue(forKey: "width")
        _ = o.removeValue(forKey: "height")
        return .object(o)
    }
}

extension LXDClient {
    /// Starts `request` in `instance` without attaching (`record-output: true`,
    /// `wait-for-websocket: false`) and returns the operation id at once. The command runs
    /// on; `recordedOutput(of:)` waits for it and fetches what it wrote.
    ///
    /// The operation (and with it the exit status) vanishes 5 s after the command ends;
    /// the recorded files stay until deleted.
    public func execDetached(instance: String, _ request: ExecRequest) throws(LXDError) -> String {
        let response = try send("POST", target("/1.0/instances/\(percentEncode(instance))/exec"), body: request.detachedBody)
        guard response.kind == .async, let id = response.metadata["id"]?.stringValue, !id.isEmpty else {
            throw .protocolViolation("detached exec answered without an operation")
        }
        return id
    }
}
