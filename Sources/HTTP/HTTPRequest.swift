/// One HTTP/1.1 request. `target` is the origin-form path including the query
/// (`/1.0/operations/<id>/websocket?secret=...`), already percent-encoded.
public struct HTTPRequest: Sendable, Equatable {
    public var method: String
    public var target: String
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: String, target: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    public static func get(_ target: String, headers: HTTPHeaders = HTTPHeaders()) -> HTTPRequest {
        HTTPRequest(method: "GET", target: target, headers: headers)
    }

    /// A request with a JSON body (Content-Type: application/json).
    public static func json(_ method: String, _ target: String, body: [UInt8], headers: HTTPHeaders = HTTPHeaders()) -> HTTPRequest {
        var h = headers
        if !h.contains("Content-Type") { h.add("Content-Type", "application/json") }
        return HTTPRequest(method: method, target: target, headers: h, body: body)
    }
}

/// Produces the exact bytes of a request head and body.
///
/// Order: request line, `Host` (always; the request's own Host header wins),
/// `User-Agent` (unless the request sets one), the request's headers, `Content-Length`
/// (for any body, and 0 for POST/PUT/PATCH without one), `Connection: keep-alive`
/// (unless the request sets Connection), blank line, body.
public enum HTTPRequestWriter {
    ///
    /// `streamedBody`: the head of a request whose body follows separately (the request's
    /// own `body` is ignored): `Content-Length: n` for `.length(n)`, `Transfer-Encoding:
    /// chunked` for `.chunked`, in the place Content-Length takes.
    public static func serialize(_ request: HTTPRequest, host: String, userAgent: String,
                                 streamedBody: HTTPBodyFraming? = nil) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(256 + request.body.count)
        func line(_ s: String) { out.append(contentsOf: s.utf8); out.append(13); out.append(10) }
        line("\(request.method) \(request.target) HTTP/1.1")
        line("Host: \(request.headers["Host"] ?? host)")
        if !request.headers.contains("User-Agent") { line("User-Agent: \(userAgent)") }
        for field in request.headers where !asciiCaseInsensitiveEquals(field.name, "Host")
            && !asciiCaseInsensitiveEquals(field.name, "Content-Length") {
            line("\(field.name): \(field.value)")
        }
        switch streamedBody {
        case .length(let n)?: line("Content-Length: \(n)")
        case .chunked?, .untilClose?: line("Transfer-Encoding: chunked")
        case nil:
            let needsLength = !request.body.isEmpty || ["POST", "PUT", "PATCH"].contains(request.method)
            if needsLength { line("Content-Length: \(request.body.count)") }
        }
        if !request.headers.contains("Connection") { line("Connection: keep-alive") }
        out.append(13); out.append(10)
        if streamedBody == nil { out.append(contentsOf: request.body) }
        return out
    }
}
