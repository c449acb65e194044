import HTTP
import Transport

/// Everything the LXD layer can fail with. `description` is one line, fit to print
/// after `Error: `; secrets never appear in it.
public enum LXDError: Error, CustomStringConvertible, Sendable {
    /// The daemon answered with an error envelope (`"type":"error"`), e.g. 404
    /// `Instance not found`. `code` is the envelope's `error_code` (= HTTP status).
    case api(code: Int, message: String)
    /// Connecting to or talking with the daemon failed.
    case transport(TransportError)
    /// The HTTP exchange failed.
    case http(HTTPError)
    /// The daemon said something we cannot make sense of.
    case protocolViolation(String)
    /// The lxc configuration is unusable.
    case config(ConfigError)
    /// A deadline passed.
    case timedOut(String)
    /// Every socket of an exec closed before the daemon reported the exit status
    /// (daemon killed or restarted, connection cut).
    case sessionLost(String)
    /// An exec session failed for a reason of its own: the daemon broke RFC 6455 on a
    /// websocket (with the close code we sent), writing local output failed, a hook
    /// aborted it.
    case exec(ExecSessionError)
    /// `collect` was given more output than its limit; the command was ended.
    case outputLimitExceeded(Int)
    /// In a cluster, the member holding the instance did not answer in time (frozen,
    /// overloaded, cut off); the member answering us waited on it.
    case memberUnresponsive(UnresponsiveMember)

    public var description: String {
        switch self {
        case .api(_, let message): return redactSecrets(message)
        case .transport(let e): return e.description
        case .http(let e): return e.description
        case .protocolViolation(let m): return "protocol error: \(redactSecrets(m))"
        case .config(let e): return e.description
        case .timedOut(let what): return "timed out \(what)"
        case .sessionLost(let why): return "lost the connection to LXD before the command finished (\(redactSecrets(why)))"
        case .exec(let e):
            if case .websocket = e { return "protocol error: \(e.description)" }
            return redactSecrets(e.description)
        case .outputLimitExceeded(let limit): return "the command's output exceeded \(limit) bytes; it was ended"
        case .memberUnresponsive(let m): return m.description
        }
    }

    /// The API error code, when the daemon sent one.
    public var apiCode: Int? {
        if case .api(let code, _) = self { return code }
        return nil
    }

    init(_ error: HTTPError) {
        if case .transport(let t) = error { self = .transport(t) } else { self = .http(error) }
    }
}
