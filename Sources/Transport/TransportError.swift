#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Errors of the byte-stream layer. Each has a one-line human `description`.
public enum TransportError: Error, CustomStringConvertible, Equatable, Sendable {
    /// connect(2) to a unix socket failed: path and strerror.
    case unixConnectFailed(path: String, errno: Int32)
    /// Name resolution failed (getaddrinfo message).
    case resolveFailed(host: String, message: String)
    /// TCP connect failed on every address; the last errno.
    case tcpConnectFailed(host: String, port: UInt16, errno: Int32)
    /// The deadline passed; `what` says during which step.
    case timedOut(String)
    /// A system call failed (`operation` names it).
    case system(operation: String, errno: Int32)
    /// The peer closed the connection before the operation could finish.
    case connectionClosed(String)
    /// TLS configuration could not be loaded (bad certificate/key file, ...).
    case tlsConfiguration(String)
    /// TLS handshake failed for a reason other than certificate verification.
    case tlsHandshake(String)
    /// The server certificate was refused.
    case certificateRejected(CertificateRejection)
    /// A TLS record-layer error after the handshake.
    case tls(String)
    /// The stream was used after close().
    case closed

    public var description: String {
        switch self {
        case .unixConnectFailed(let path, let e):
            return "cannot connect to \(path): \(errnoString(e))"
        case .resolveFailed(let host, let message):
            return "cannot resolve \(host): \(message)"
        case .tcpConnectFailed(let host, let port, let e):
            let addr = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            if e == ECONNREFUSED { return "cannot connect to \(addr): connection refused" }
            return "cannot connect to \(addr): \(errnoString(e))"
        case .timedOut(let what):
            return "\(what): timed out"
        case .system(let op, let e):
            if e == EPIPE || e == ECONNRESET { return "\(op): connection closed by peer (\(errnoString(e)))" }
            return "\(op): \(errnoString(e))"
        case .connectionClosed(let what):
            return "\(what): connection closed by peer"
        case .tlsConfiguration(let m): return "TLS configuration: \(m)"
        case .tlsHandshake(let m): return "TLS handshake failed: \(m)"
        case .certificateRejected(let r): return r.description
        case .tls(let m): return "TLS: \(m)"
        case .closed: return "stream already closed"
        }
    }

    /// The errno behind this error, if any (EPIPE, ECONNRESET, ...).
    public var errno: Int32? {
        switch self {
        case .unixConnectFailed(_, let e), .tcpConnectFailed(_, _, let e), .system(_, let e): return e
        default: return nil
        }
    }
}

/// Why a server certificate was refused. Every case carries the server certificate's
/// SHA-256 fingerprint (lowercase hex, as `lxc` shows it) when the server sent one.
public struct CertificateRejection: Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// A pinned certificate was configured and the server's leaf differs.
        case pinMismatch(pinnedFingerprint: String)
        /// The chain does not lead to a trusted root (includes self-signed).
        case unknownAuthority(detail: String)
        /// The certificate is valid but not for the host name / IP we dialed.
        case nameMismatch(expected: String)
        /// Expired or not yet valid.
        case expired(detail: String)
        /// Any other X.509 verification error (OpenSSL's text).
        case other(detail: String)
    }

    public var reason: Reason
    /// SHA-256 of the server leaf certificate (DER), lowercase hex; nil if none was seen.
    public var serverFingerprint: String?
    /// The server leaf certificate as PEM, for trust-on-first-use prompts.
    public var serverCertificatePEM: String?

    public init(reason: Reason, serverFingerprint: String?, serverCertificatePEM: String?) {
        self.reason = reason
        self.serverFingerprint = serverFingerprint
        self.serverCertificatePEM = serverCertificatePEM
    }

    public var description: String {
        let fp = serverFingerprint.map { " (server certificate fingerprint: \($0))" } ?? ""
        switch reason {
        case .pinMismatch(let pinned):
            return "server certificate does not match the pinned certificate \(pinned)\(fp)"
        case .unknownAuthority(let d):
            return "server certificate is signed by an unknown authority (\(d))\(fp)"
        case .nameMismatch(let expected):
            return "server certificate is not valid for \(expected)\(fp)"
        case .expired(let d):
            return "server certificate has expired or is not yet valid (\(d))\(fp)"
        case .other(let d):
            return "server certificate verification failed: \(d)\(fp)"
        }
    }
}

/// strerror(3) as a Swift string ("No such file or directory").
public func errnoString(_ e: Int32) -> String {
    if e == ETIMEDOUT { return "timed out" }
    if e == ECONNREFUSED { return "connection refused" }
    guard let p = strerror(e) else { return "errno \(e)" }
    return String(cString: p)
}
