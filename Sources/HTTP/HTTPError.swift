import Transport

/// Errors of the HTTP layer.
public enum HTTPError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The byte stream failed (connect, TLS, read, write, timeout).
    case transport(TransportError)
    /// The response is not valid HTTP/1.x.
    case malformedResponse(String)
    /// The response head exceeded the parser's limit.
    case headerTooLarge(limit: Int)
    /// The body exceeded the parser's limit.
    case bodyTooLarge(limit: Int)
    /// The server closed the connection before the response was complete.
    case connectionClosedEarly
    /// The connection cannot carry another request (closed, upgraded, or the last response
    /// was close-delimited / `Connection: close`). Reconnect.
    case connectionNotReusable
    /// A websocket upgrade got an answer other than 101: the whole response, so the
    /// caller can decode LXD's error envelope from `body`.
    case upgradeRefused(HTTPResponse)
    /// A 101 answer that is not a valid websocket upgrade.
    case invalidUpgrade(String)

    public var description: String {
        switch self {
        case .transport(let e): return e.description
        case .malformedResponse(let m): return "malformed HTTP response: \(m)"
        case .headerTooLarge(let limit): return "HTTP response head larger than \(limit) bytes"
        case .bodyTooLarge(let limit): return "HTTP response body larger than \(limit) bytes"
        case .connectionClosedEarly: return "connection closed before the HTTP response was complete"
        case .connectionNotReusable: return "HTTP connection cannot be reused"
        case .upgradeRefused(let r):
            let text = r.bodyText
            let snippet = text.count > 200 ? String(text.prefix(200)) + "…" : text
            return "websocket upgrade refused: HTTP \(r.status) \(r.reason)" + (snippet.isEmpty ? "" : ": \(redactSecrets(snippet))")
        case .invalidUpgrade(let m): return "invalid websocket upgrade response: \(m)"
        }
    }
}
