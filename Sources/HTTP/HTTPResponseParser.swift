/// Incremental HTTP/1.x response parser: pure, no I/O. Feed bytes as they arrive, split
/// anywhere; it reports `.complete` with the response and the bytes that followed it
/// (after a 101 those belong to the websocket; after a keep-alive response, to the next
/// response). Interim 1xx responses other than 101 are skipped.
///
/// Bodies (RFC 9112 §6.3): none for HEAD, 1xx, 204, 304; chunked (trailers kept) when
/// Transfer-Encoding ends in chunked; Content-Length; otherwise until EOF (`finish()`).
public struct HTTPResponseParser: Sendable {
    public struct Limits: Sendable, Equatable {
        /// Maximum bytes of status line + header fields (and of chunked trailers).
        public var maxHeaderBytes: Int
        public var maxHeaderCount: Int
        public var maxBodyBytes: Int
        public init(maxHeaderBytes: Int = 64 * 1024, maxHeaderCount: Int = 128, maxBodyBytes: Int = 256 * 1024 * 1024) {
            self.maxHeaderBytes = maxHeaderBytes
            self.maxHeaderCount = maxHeaderCount
            self.maxBodyBytes = maxBodyBytes
        }
    }

    public enum Progress: Sendable, Equatable {
        case needMore
        case complete(HTTPResponse, leftover: [UInt8])
    }

    private enum State: Sendable {
        case head
        case fixedBody(remaining: Int)
        case chunkSizeLine
        case chunkData(remaining: Int)
        case chunkDataEnd        // expecting CRLF after chunk data
        case trailers
        case untilClose
        case done
    }

    public let limits: Limits
    public let requestMethod: String
    private var state: State = .head
    private var line: [UInt8] = []          // head or current line being collected
    private var response = HTTPResponse(status: 0)
    private var trailerBytes = 0

    /// Set: `.complete` comes right after the head (body empty, every body byte in
    /// `leftover`), and `framing` says how the body is delimited, for a caller that
    /// streams it (`HTTPBodyDecoder`) instead of holding it. No body size limit applies.
    public let stopsAfterHead: Bool
    /// How the body is delimited; set when `stopsAfterHead` completes.
    public private(set) var framing: HTTPBodyFraming?

    public init(requestMethod: String = "GET", limits: Limits = Limits(), stopsAfterHead: Bool = false) {
        self.requestMethod = requestMethod
        self.limits = limits
        self.stopsAfterHead = stopsAfterHead
    }

    /// True when the body runs until the connection closes (call `finish()` at EOF).
    public var isReadingUntilClose: Bool { if case .untilClose = state { return true } else { return false } }

    /// Feeds bytes. After `.complete` the parser must not be fed again.
    public mutating func parse(_ bytes: UnsafeRawBufferPointer) throws(HTTPError) -> Progress {
        var i = 0
        let n = bytes.count
        while i < n {
            switch state {
            case .head:
                // Collect until the blank line; scan only the new bytes.
                while i < n {
                    let b = bytes[i]
                    line.append(b)
                    i += 1
                    if b == 10, headEnded() {
                        try finishHead()
                        if stopsAfterHead { stopAfterHead() }
                        break
                    }
                    if line.count > limits.maxHeaderBytes { throw .headerTooLarge(limit: limits.maxHeaderBytes) }
                }
                if case .head = state { continue }  // need more, or an interim 1xx was skipped
                if case .done = state { return .complete(response, leftover: Array(bytes[i...])) }
            case .fixedBody(let remaining):
                let take = min(remaining, n - i)
                response.body.append(contentsOf: bytes[i..<(i + take)])
                i += take
                if remaining - take == 0 {
                    state = .done
                    return .complete(response, leftover: Array(bytes[i...]))
                }
                state = .fixedBody(remaining: remaining - take)
            case .chunkSizeLine:
                let b = bytes[i]
                i += 1
                if b == 10 {
                    let size = try HTTPChunkSize.parse(line[...])
                    line.removeAll(keepingCapacity: true)
                    if size == 0 {
                        state = .trailers
                    } else {
                        if response.body.count + size > limits.maxBodyBytes { throw .bodyTooLarge(limit: limits.maxBodyBytes) }
                        state = .chunkData(remaining: size)
                    }
                } else {
                    line.append(b)
                    if line.count > 1024 { throw .malformedResponse("chunk size line too long") }
                }
            case .chunkData(let remaining):
                let take = min(remaining, n - i)
                response.body.append(contentsOf: bytes[i..<(i + take)])
                i += take
                state = remaining - take == 0 ? .chunkDataEnd : .chunkData(remaining: remaining - take)
            case .chunkDataEnd:
                let b = bytes[i]
                i += 1
                if b == 10 {
                    let ok = line.isEmpty || line == [13]
                    line.removeAll(keepingCapacity: true)
                    guard ok else { throw .malformedResponse("missing CRLF after chunk data") }
                    state = .chunkSizeLine
                } else {
                    line.append(b)
                    if line.count > 1 { throw .malformedResponse("missing CRLF after chunk data") }
                }
            case .trailers:
                let b = bytes[i]
                i += 1
                trailerBytes += 1
                if trailerBytes > limits.maxHeaderBytes { throw .headerTooLarge(limit: limits.maxHeaderBytes) }
                if b == 10 {
                    var content = line[...]
                    if content.last == 13 { content = content.dropLast() }
                    line.removeAll(keepingCapacity: true)
                    if content.isEmpty {
                        state = .done
                        return .complete(response, leftover: Array(bytes[i...]))
                    }
                    let (name, value) = try parseField(content)
                    response.trailers.add(name, value)
                } else {
                    line.append(b)
                }
            case .untilClose:
                if response.body.count + (n - i) > limits.maxBodyBytes { throw .bodyTooLarge(limit: limits.maxBodyBytes) }
                response.body.append(contentsOf: bytes[i...])
                i = n
            case .done:
                return .complete(response, leftover: Array(bytes[i...]))
            }
        }
        if case .done = state { return .complete(response, leftover: []) }
        return .needMore
    }

    /// `parse` for an array.
    public mutating func parse(_ bytes: [UInt8]) throws(HTTPError) -> Progress {
        var result: Result<Progress, HTTPError> = .success(.needMore)
        bytes.withUnsafeBytes { raw in
            do throws(HTTPError) { result = .success(try parse(raw)) } catch { result = .failure(error) }
        }
        return try result.get()
    }

    /// Call at EOF. Completes a close-delimited body; anything else incomplete is an error.
    public mutating func finish() throws(HTTPError) -> HTTPResponse {
        switch state {
        case .untilClose, .done:
            state = .done
            return response
        default:
            throw .connectionClosedEarly
        }
    }

    // MARK: - Head

    /// The body's framing from the state the head left, then done.
    private mutating func stopAfterHead() {
        switch state {
        case .head: return                       // an interim 1xx: the real head follows
        case .fixedBody(let remaining): framing = .length(remaining)
        case .chunkSizeLine: framing = .chunked
        case .untilClose: framing = .untilClose
        default: framing = .length(0)
        }
        state = .done
    }

    private func headEnded() -> Bool {
        let c = line.count
        if c >= 2 && line[c - 2] == 10 { return true }                          // \n\n
        if c >= 3 && line[c - 2] == 13 && line[c - 3] == 10 { return true }     // \n\r\n
        return false
    }

    private mutating func finishHead() throws(HTTPError) {
        var lines: [ArraySlice<UInt8>] = []
        var start = 0
        for (idx, b) in line.enumerated() where b == 10 {
            var l = line[start..<idx]
            if l.last == 13 { l = l.dropLast() }
            lines.append(l)
            start = idx + 1
        }
        // Tolerate stray empty lines before the status line (RFC 9112 §2.2).
        while let first = lines.first, first.isEmpty, lines.count > 1 { lines.removeFirst() }
        guard let statusLine = lines.first, !statusLine.isEmpty else { throw .malformedResponse("empty status line") }
        var r = HTTPResponse(status: 0)
        try parseStatusLine(statusLine, into: &r)
        for l in lines.dropFirst() where !l.isEmpty {
            if l.first == 32 || l.first == 9 { throw .malformedResponse("obsolete header line folding") }
            let (name, value) = try parseField(l)
            r.headers.add(name, value)
            if r.headers.count > limits.maxHeaderCount { throw .malformedResponse("more than \(limits.maxHeaderCount) header fields") }
        }
        line.removeAll(keepingCapacity: true)

        // Interim responses: skip, parse the next head.
        if r.status >= 100 && r.status < 200 && r.status != 101 {
            state = .head
            return
        }
        let connectionClose = r.headers.hasToken("close", in: "Connection")
        r.keepAlive = r.version == "HTTP/1.1" ? !connectionClose : r.headers.hasToken("keep-alive", in: "Connection")
        response = r

        if r.status == 101 || requestMethod == "HEAD" || r.status == 204 || r.status == 304 || (r.status >= 100 && r.status < 200) {
            state = .done
            return
        }
        if let te = r.headers.values("Transfer-Encoding").last {
            let codings = te.split(separator: ",").map { trimOWS($0) }
            if let last = codings.last, asciiCaseInsensitiveEquals(last, "chunked") {
                state = .chunkSizeLine
            } else {
                response.keepAlive = false
                state = .untilClose
            }
            return
        }
        let lengths = r.headers.values("Content-Length")
        if !lengths.isEmpty {
            var value: Int? = nil
            for field in lengths {
                for part in field.split(separator: ",", omittingEmptySubsequences: false) {
                    let t = trimOWS(part)
                    guard !t.isEmpty, t.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), t.utf8.count <= 18, let v = Int(t) else {
                        throw .malformedResponse("invalid Content-Length \(field)")
                    }
                    if let value, value != v { throw .malformedResponse("conflicting Content-Length values") }
                    value = v
                }
            }
            let length = value ?? 0
            if length > limits.maxBodyBytes && !stopsAfterHead { throw .bodyTooLarge(limit: limits.maxBodyBytes) }
            if !stopsAfterHead { response.body.reserveCapacity(length) }
            state = length == 0 ? .done : .fixedBody(remaining: length)
            return
        }
        response.keepAlive = false
        state = .untilClose
    }

    private func parseStatusLine(_ l: ArraySlice<UInt8>, into r: inout HTTPResponse) throws(HTTPError) {
        // HTTP/1.x SP 3DIGIT [SP reason]
        let bytes = Array(l)
        guard bytes.count >= 12, bytes[0..<7].elementsEqual("HTTP/1.".utf8), bytes[7] >= 48, bytes[7] <= 57,
              bytes[8] == 32 else {
            throw .malformedResponse("bad status line \"\(printable(bytes))\"")
        }
        let digits = bytes[9..<12]
        // Three digits, the first 1-9: a status below 100 has no class (RFC 9110 §15).
        guard digits.allSatisfy({ $0 >= 48 && $0 <= 57 }), bytes[9] != 48, bytes.count == 12 || bytes[12] == 32 else {
            throw .malformedResponse("bad status code in \"\(printable(bytes))\"")
        }
        r.version = String(decoding: bytes[0..<8], as: UTF8.self)
        r.status = digits.reduce(0) { $0 * 10 + Int($1 - 48) }
        r.reason = bytes.count > 13 ? String(decoding: bytes[13...], as: UTF8.self) : ""
    }

    private func parseField(_ l: ArraySlice<UInt8>) throws(HTTPError) -> (String, String) {
        guard let colon = l.firstIndex(of: 58), colon > l.startIndex else {
            throw .malformedResponse("bad header line \"\(printable(Array(l)))\"")
        }
        let nameBytes = l[l.startIndex..<colon]
        guard nameBytes.allSatisfy(isTokenChar) else {
            throw .malformedResponse("bad header name \"\(printable(Array(nameBytes)))\"")
        }
        let name = String(decoding: nameBytes, as: UTF8.self)
        let value = trimOWS(Substring(String(decoding: l[(colon + 1)...], as: UTF8.self)))
        return (name, value)
    }
}

private func isTokenChar(_ b: UInt8) -> Bool {
    switch b {
    case 48...57, 65...90, 97...122: return true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
         UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
         UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
        return true
    default: return false
    }
}

private func printable(_ bytes: [UInt8]) -> String {
    String(decoding: bytes.prefix(80).map { ($0 >= 32 && $0 < 127) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
}
