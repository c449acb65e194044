import Glibc
import LXD
import Transport

/// Our failures in the words `lxc` / `incus` use for the same situation (what scripts
/// match on stderr: Ansible's connection plugins look for "is not running" and
/// "Instance not found"). Most daemon messages are already the client's own; what lxc
/// adds is how it says it could not reach the daemon.
enum LXCErrors {
    /// The message to print after "Error: " (`files`: for file push/pull, where Incus's
    /// client says a missing path as Go says it).
    static func message(for failure: Failure, persona: ClientPersona, files: Bool = false) -> String {
        guard let cause = failure.cause else { return failure.message }
        var transport: TransportError?
        if files, persona == .incus, let e = cause as? LXDError, case .api(404, "Not Found") = e { return "file does not exist" }
        if let e = cause as? LXDError, case .transport(let t) = e { transport = t }
        if let t = cause as? TransportError { transport = t }
        if let f = cause as? Failure { return message(for: f, persona: persona, files: files) }
        guard let transport else { return failure.message }
        return unreachable(transport, persona: persona) ?? failure.message
    }

    /// How the client words a daemon it cannot connect to (nil: not a connect failure).
    static func unreachable(_ error: TransportError, persona: ClientPersona) -> String? {
        switch error {
        case .unixConnectFailed(let path, let e):
            if persona == .incus && (e == ENOENT || e == ECONNREFUSED) {
                return "The incus daemon doesn't appear to be started (socket path: \(path))"
            }
            return "Get \"http://unix.socket/1.0\": dial unix \(path): connect: \(goErrno(e))"
        case .tcpConnectFailed(let host, let port, let e):
            let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            return "Get \"https://\(address)/1.0\": dial tcp \(address): connect: \(goErrno(e))"
        default:
            return nil
        }
    }

    /// Go's text for an errno (strerror with a lower-case first letter).
    static func goErrno(_ e: Int32) -> String {
        let text = String(cString: strerror(e))
        guard let first = text.first else { return text }
        return first.lowercased() + text.dropFirst()
    }
}
