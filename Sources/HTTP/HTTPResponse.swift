/// A complete HTTP response.
public struct HTTPResponse: Sendable, Equatable {
    /// "HTTP/1.1" or "HTTP/1.0".
    public var version: String
    public var status: Int
    public var reason: String
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Trailer fields of a chunked body (usually empty).
    public var trailers: HTTPHeaders
    /// Whether the connection may carry another request after this response.
    public var keepAlive: Bool

    public init(version: String = "HTTP/1.1", status: Int, reason: String = "", headers: HTTPHeaders = HTTPHeaders(),
                body: [UInt8] = [], trailers: HTTPHeaders = HTTPHeaders(), keepAlive: Bool = true) {
        self.version = version
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
        self.trailers = trailers
        self.keepAlive = keepAlive
    }

    /// The body as UTF-8 text (invalid sequences replaced).
    public var bodyText: String { String(decoding: body, as: UTF8.self) }
}
