/// The `--debug` text of an HTTP exchange: request heads with "> ", response heads with
/// "< ", bodies cut at a limit, every secret redacted (`redactSecrets`).
public enum HTTPTrace {
    /// A serialized request whose last `bodyCount` bytes are its body.
    public static func request(_ bytes: [UInt8], bodyCount: Int, bodyLimit: Int = 2048) -> String {
        let head = bytes[0..<(bytes.count - bodyCount)]
        var text = ""
        for line in String(decoding: head, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: true) {
            text += "> " + line + "\n"
        }
        if bodyCount > 0 { text += body(Array(bytes[(bytes.count - bodyCount)...]), prefix: "> ", limit: bodyLimit) }
        return redactSecrets(text)
    }

    /// A serialized request, its body found after the head's blank line.
    public static func request(_ bytes: [UInt8], bodyLimit: Int = 2048) -> String {
        var bodyCount = 0
        if bytes.count >= 4 {
            for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
                bodyCount = bytes.count - (i + 4)
                break
            }
        }
        return request(bytes, bodyCount: bodyCount, bodyLimit: bodyLimit)
    }

    public static func response(_ r: HTTPResponse, bodyLimit: Int = 2048) -> String {
        var text = "< \(r.version) \(r.status) \(r.reason)\n"
        for field in r.headers { text += "< \(field.name): \(field.value)\n" }
        if !r.body.isEmpty { text += body(r.body, prefix: "< ", limit: bodyLimit) }
        return redactSecrets(text)
    }

    private static func body(_ body: [UInt8], prefix: String, limit: Int) -> String {
        let shown = body.prefix(limit)
        var text = prefix + String(decoding: shown, as: UTF8.self)
        if body.count > shown.count { text += "… (\(body.count) bytes)" }
        return text + "\n"
    }
}
