import WebSocket

/// The websocket upgrade (RFC 6455 §4.1) as pure steps: the request to send and the
/// check of the answer. `HTTPConnection` uses them on a blocking connection, the exec
/// set-up machine on connections driven by an event loop.
public enum WebSocketUpgrade {
    /// The upgrade exactly as `lxc` sends it (GET target, Connection: Upgrade,
    /// Sec-WebSocket-Key, Sec-WebSocket-Version: 13, Upgrade: websocket; no Origin).
    public static func request(target: String, key: String, headers extra: HTTPHeaders = HTTPHeaders()) -> HTTPRequest {
        var headers = HTTPHeaders()
        headers.add("Connection", "Upgrade")
        headers.add("Sec-WebSocket-Key", key)
        headers.add("Sec-WebSocket-Version", "13")
        headers.add("Upgrade", "websocket")
        for field in extra { headers.add(field.name, field.value) }
        return HTTPRequest(method: "GET", target: target, headers: headers)
    }

    /// Checks the answer to an upgrade sent with `key`: 101, Upgrade, Connection and
    /// Sec-WebSocket-Accept. Any other status throws `.upgradeRefused(response)` with the
    /// body (LXD's error envelope).
    public static func check(_ response: HTTPResponse, key: String) throws(HTTPError) {
        guard response.status == 101 else { throw .upgradeRefused(response) }
        guard response.headers.hasToken("websocket", in: "Upgrade") else {
            throw .invalidUpgrade("missing \"Upgrade: websocket\"")
        }
        guard response.headers.hasToken("upgrade", in: "Connection") else {
            throw .invalidUpgrade("missing \"Connection: Upgrade\"")
        }
        guard let accept = response.headers["Sec-WebSocket-Accept"] else {
            throw .invalidUpgrade("missing Sec-WebSocket-Accept")
        }
        guard WebSocketHandshake.isValidAccept(accept, forKey: key) else {
            throw .invalidUpgrade("wrong Sec-WebSocket-Accept")
        }
    }
}
