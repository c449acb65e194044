import HTTP
import JSON
import Transport

/// What a detached exec left behind: its exit status (while the operation exists) and the
/// daemon paths of its recorded stdout and stderr.
public struct RecordedOutput: Sendable {
    /// The detached exec's operation id.
    public var operationID: String
    /// `metadata.return`; nil when the daemon did not set it (the command never started).
    public var exitStatus: Int?
    /// The operation's `err` (e.g. "Command not found"), empty when none.
    public var err: String
    /// `/1.0/instances/<name>/logs/exec_<id>.stdout` (LXD 5.0) or
    /// `…/logs/exec-output/exec_<id>.stdout` (LXD ≥ 5.15, Incus); nil when not recorded.
    public var stdoutPath: String?
    /// The same for stderr.
    public var stderrPath: String?

    /// A record with these fields.
    public init(operationID: String, exitStatus: Int?, err: String, stdoutPath: String?, stderrPath: String?) {
        self.operationID = operationID
        self.exitStatus = exitStatus
        self.err = err
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
    }

    /// Reads a final operation's `metadata.output` / `metadata.return`. Nil when the
    /// operation has no recorded output (not a detached exec).
    public init?(_ op: Operation) {
        guard let output = op.metadata["output"], case .object = output else { return nil }
        func path(_ fd: String) -> String? {
            guard let p = output[fd]?.stringValue, RecordedOutput.isLogPath(p) else { return nil }
            return p
        }
        self.init(operationID: op.id, exitStatus: op.exitStatus, err: op.err,
                  stdoutPath: path("1"), stderrPath: path("2"))
        if stdoutPath == nil && stderrPath == nil { return nil }
    }

    /// Only instance log files are fetched or deleted: `/1.0/instances/<name>/logs/…`.
    static func isLogPath(_ p: String) -> Bool {
        let parts = p.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count >= 6 && parts[0].isEmpty && parts[1] == "1.0" && parts[2] == "instances"
            && !parts[3].isEmpty && parts[4] == "logs" && !parts.contains("..") && !p.contains("?")
    }
}

extension LXDClient {
    /// `GET` of a raw file (an instance log): the bytes exactly as served.
    public func fetchFile(_ path: String) throws(LXDError) -> [UInt8] {
        let deadline = Deadline.after(seconds: timeouts.request)
        let conn = try checkOut(deadline: deadline).connection
        let response: HTTPResponse
        do {
            response = try conn.send(HTTPRequest(method: "GET", target: target(path)), deadline: deadline)
        } catch {
            conn.close()
            throw LXDError(error)
        }
        checkIn(conn)
        guard response.status == 200 else {
            _ = try LXDResponse.decode(response)  // the daemon's error envelope, thrown
            throw .protocolViolation("GET \(path): HTTP \(response.status)")
        }
        return response.body
    }

    /// `DELETE` of an instance log file.
    public func deleteFile(_ path: String) throws(LXDError) {
        try send("DELETE", target(path))
    }

    /// The exec output files the daemon still keeps for operation `id`, looked up in the
    /// log listings of every instance of the current project (`logs/` on LXD 5.0,
    /// `logs/exec-output/` on newer LXD and Incus). For an operation that is gone.
    public func findRecordedOutput(operationID id: String) throws(LXDError) -> RecordedOutput? {
        let names = try send("GET", target("/1.0/instances")).metadata.arrayValue ?? []
        for case .string(let url) in names {
            guard let name = url.split(separator: "/").last.map(String.init) else { continue }
            var found: [String] = []
            for dir in ["/logs", "/logs/exec-output"] {
                let listing: JSONValue
                do {
                    listing = try send("GET", target("/1.0/instances/\(name)" + dir)).metadata
                } catch {
                    if case .api(let code, _) = error, code == 404 || code == 400 { continue }
                    throw error
                }
                for case .string(let file) in listing.arrayValue ?? [] where file.contains("exec_\(id).") {
                    found.append(file.hasPrefix("/") ? file : "/1.0/instances/\(name)\(dir)/\(file)")
                }
            }
            if !found.isEmpty {
                return RecordedOutput(operationID: id, exitStatus: nil, err: "",
                                      stdoutPath: found.first { $0.hasSuffix(".stdout") },
                                      stderrPath: found.first { $0.hasSuffix(".stderr") })
            }
        }
        return nil
    }
}
