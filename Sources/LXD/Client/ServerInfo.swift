import JSON

extension LXDClient {
    /// Whether the server lists `name` in `api_extensions` (`GET /1.0`).
    public func hasExtension(_ name: String) throws(LXDError) -> Bool {
        let extensions = try server()["api_extensions"]?.arrayValue ?? []
        return extensions.contains { $0.stringValue == name }
    }

    /// `GET /1.0/projects`: the names of every project (the answer is a list of URLs,
    /// `/1.0/projects/<name>`, percent-encoded).
    public func projectNames() throws(LXDError) -> [String] {
        let urls = try send("GET", target("/1.0/projects", project: false)).metadata
        guard let list = urls.arrayValue else { throw .protocolViolation("projects list is not an array") }
        var names: [String] = []
        for item in list {
            guard let url = item.stringValue, let slash = url.lastIndex(of: "/") else {
                throw .protocolViolation("projects list holds \(item)")
            }
            names.append(decodePercentEscapes(String(url[url.index(after: slash)...])))
        }
        return names
    }
}

/// Undoes percent-encoding (`%2F` → `/`); malformed escapes are kept as they are.
private func decodePercentEscapes(_ s: String) -> String {
    let bytes = Array(s.utf8)
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return b - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
    var i = 0
    while i < bytes.count {
        if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let h = hex(bytes[i + 1]), let l = hex(bytes[i + 2]) {
            out.append(h << 4 | l)
            i += 3
        } else {
            out.append(bytes[i])
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}
