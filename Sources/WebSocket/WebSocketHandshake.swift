/// The client side of the opening handshake's key check (RFC 6455 §4.1, §4.2.2).
public enum WebSocketHandshake: Sendable {
    /// The GUID appended to the key before hashing (§1.3).
    public static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// A fresh `Sec-WebSocket-Key`: 16 random bytes, base64-encoded (§4.1 item 7: "MUST
    /// be ... randomly selected ... for each connection").
    public static func makeKey() -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        bytes.withUnsafeMutableBytes { WebSocketMaskingKeyGenerator.fillRandom($0) }
        return Base64.encode(bytes)
    }

    /// The `Sec-WebSocket-Accept` a server must answer `key` with: base64(SHA-1(key +
    /// GUID)) (§4.2.2 item 5.4).
    public static func acceptValue(forKey key: String) -> String {
        Base64.encode(SHA1.hash(Array(key.utf8) + Array(guid.utf8)))
    }

    /// Whether the server's `Sec-WebSocket-Accept` matches our key (§4.1: otherwise the
    /// client MUST fail the connection). Surrounding spaces and tabs are ignored.
    public static func isValidAccept(_ accept: String, forKey key: String) -> Bool {
        var bytes = Substring(accept).utf8[...]
        while let first = bytes.first, first == 0x20 || first == 0x09 { bytes = bytes.dropFirst() }
        while let last = bytes.last, last == 0x20 || last == 0x09 { bytes = bytes.dropLast() }
        return bytes.elementsEqual(acceptValue(forKey: key).utf8)
    }

    /// SHA-1 of `bytes` (20 bytes); exposed for tests and the HTTP layer.
    public static func sha1(_ bytes: [UInt8]) -> [UInt8] {
        SHA1.hash(bytes)
    }

    /// Standard padded base64 of `bytes`.
    public static func base64(_ bytes: [UInt8]) -> String {
        Base64.encode(bytes)
    }
}
