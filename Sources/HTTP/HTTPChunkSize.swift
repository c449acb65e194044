/// The size line of a chunk in the chunked transfer coding (RFC 9112 §7.1): 1 to 15 hex
/// digits, then optional whitespace and `;extensions` (ignored). Used by the response
/// parser (bodies in memory) and the streaming body decoder.
enum HTTPChunkSize {
    /// The size in `line` (without its LF; a trailing CR is allowed).
    static func parse(_ line: ArraySlice<UInt8>) throws(HTTPError) -> Int {
        var content = line
        if content.last == 13 { content = content.dropLast() }
        if let semi = content.firstIndex(of: 59) { content = content[..<semi] }  // chunk extensions
        while content.last == 32 || content.last == 9 { content = content.dropLast() }
        guard !content.isEmpty, content.count <= 15 else { throw .malformedResponse("bad chunk size") }
        var size = 0
        for b in content {
            let d: Int
            switch b {
            case 48...57: d = Int(b - 48)
            case 97...102: d = Int(b - 87)
            case 65...70: d = Int(b - 55)
            default: throw .malformedResponse("bad chunk size")
            }
            size = size * 16 + d
        }
        return size
    }
}
