import Transport
import WebSocket

/// An upgrade request that was sent and whose answer is not read yet.
public struct PendingWebSocketUpgrade: Sendable {
    /// The Sec-WebSocket-Key sent (needed to check Sec-WebSocket-Accept).
    let key: String
}

/// HTTP/1.1 client over one `ByteStream`: sequential requests with keep-alive reuse, and
/// the websocket upgrade. Reconnecting is the caller's business: when `isReusable` is
/// false, open a new stream.
///
/// Not thread-safe; one owner.
public final class HTTPConnection {
    public static let defaultUserAgent = "lxattach/0.1.0"

    public let stream: any ByteStream
    /// Value of the Host header ("unix.socket" on the unix socket, "host:port" on TLS).
    public let host: String
    public var userAgent: String
    public var limits: HTTPResponseParser.Limits
    /// Debug trace sink: receives request and response heads and (truncated) bodies, with
    /// every secret redacted by `redactSecrets`. Nil: no tracing, no cost.
    public var trace: ((String) -> Void)?
    /// Bytes of each body shown in traces.
    public var traceBodyLimit: Int = 2048
    /// False after an error, a close-delimited or `Connection: close` response, an upgrade,
    /// or `close()`.
    public internal(set) var isReusable = true

    var pending: [UInt8] = []   // bytes received after the previous response
    /// The body framing of the last head read with `stopsAfterHead`.
    var lastFraming: HTTPBodyFraming = .length(0)
    /// The body being read after `sendReadingHead`, and whether the connection stays open after it.
    var bodyDecoder: HTTPBodyDecoder?
    var bodyKeepAlive = false
    /// The read buffer of streamed bodies (256 KiB, made on first use: a 1 GiB pull in
    /// 16 KiB reads costs a third more CPU).
    var bodyScratch: UnsafeMutableRawBufferPointer?
    let scratch: UnsafeMutableRawBufferPointer

    public init(stream: any ByteStream, host: String, userAgent: String = HTTPConnection.defaultUserAgent,
                limits: HTTPResponseParser.Limits = HTTPResponseParser.Limits(), trace: ((String) -> Void)? = nil) {
        self.stream = stream
        self.host = host
        self.userAgent = userAgent
        self.limits = limits
        self.trace = trace
        self.scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 16)
    }

    deinit {
        scratch.deallocate()
        bodyScratch?.deallocate()
    }

    /// Closes the underlying stream.
    public func close() {
        isReusable = false
        stream.close()
    }

    /// Sends `request` and reads the whole response before `deadline`.
    public func send(_ request: HTTPRequest, deadline: Deadline) throws(HTTPError) -> HTTPResponse {
        guard isReusable else { throw .connectionNotReusable }
        do throws(HTTPError) {
            try writeRequest(request, deadline: deadline)
            let response = try readResponse(method: request.method, deadline: deadline)
            isReusable = response.keepAlive && response.status != 101
            return response
        } catch {
            isReusable = false
            throw error
        }
    }

    /// Sends the websocket upgrade exactly as `lxc` does (GET target, Host, User-Agent,
    /// Connection: Upgrade, Sec-WebSocket-Key, Sec-WebSocket-Version: 13,
    /// Upgrade: websocket; no Origin), checks the 101 answer (Upgrade, Connection,
    /// Sec-WebSocket-Accept), and hands over the stream with the bytes already received
    /// after the response head (the first websocket frames). Any other status throws
    /// `HTTPError.upgradeRefused(response)` with the body (LXD's error envelope).
    /// The connection is consumed either way.
    public func upgradeToWebSocket(target: String, headers: HTTPHeaders = HTTPHeaders(), deadline: Deadline) throws(HTTPError) -> (stream: any ByteStream, leftover: [UInt8]) {
        try upgradeToWebSocket(target: target, headers: headers, key: WebSocketHandshake.makeKey(), deadline: deadline)
    }

    /// `upgradeToWebSocket` with a given key (tests).
    func upgradeToWebSocket(target: String, headers extra: HTTPHeaders, key: String, deadline: Deadline) throws(HTTPError) -> (stream: any ByteStream, leftover: [UInt8]) {
        let pending = try startWebSocketUpgrade(target: target, headers: extra, key: key, deadline: deadline)
        return try finishWebSocketUpgrade(pending, deadline: deadline)
    }

    /// First half of `upgradeToWebSocket`: writes the upgrade request only. With several
    /// connections, start every upgrade first and then finish them, so the round trips
    /// overlap (LXD's 5 s attach deadline, slow links).
    public func startWebSocketUpgrade(target: String, headers: HTTPHeaders = HTTPHeaders(), deadline: Deadline) throws(HTTPError) -> PendingWebSocketUpgrade {
        try startWebSocketUpgrade(target: target, headers: headers, key: WebSocketHandshake.makeKey(), deadline: deadline)
    }

    func startWebSocketUpgrade(target: String, headers extra: HTTPHeaders, key: String, deadline: Deadline) throws(HTTPError) -> PendingWebSocketUpgrade {
        guard isReusable else { throw .connectionNotReusable }
        isReusable = false
        try writeRequest(WebSocketUpgrade.request(target: target, key: key, headers: extra), deadline: deadline)
        return PendingWebSocketUpgrade(key: key)
    }

    /// Second half of `upgradeToWebSocket`: reads and checks the answer.
    public func finishWebSocketUpgrade(_ pending: PendingWebSocketUpgrade, deadline: Deadline) throws(HTTPError) -> (stream: any ByteStream, leftover: [UInt8]) {
        let key = pending.key
        let response = try readResponse(method: "GET", deadline: deadline)
        try WebSocketUpgrade.check(response, key: key)
        let leftover = self.pending
        self.pending = []
        return (stream, leftover)
    }

    // MARK: - Wire

    func writeRequest(_ request: HTTPRequest, deadline: Deadline) throws(HTTPError) {
        let bytes = HTTPRequestWriter.serialize(request, host: host, userAgent: userAgent)
        if let trace { trace(HTTPTrace.request(bytes, bodyCount: request.body.count, bodyLimit: traceBodyLimit)) }
        do {
            try stream.writeAll(bytes, deadline: deadline)
        } catch {
            throw .transport(error)
        }
    }

    func readResponse(method: String, deadline: Deadline, stopsAfterHead: Bool = false) throws(HTTPError) -> HTTPResponse {
        var parser = HTTPResponseParser(requestMethod: method, limits: limits, stopsAfterHead: stopsAfterHead)
        var progress = HTTPResponseParser.Progress.needMore
        if !pending.isEmpty {
            let carried = pending
            pending = []
            progress = try parser.parse(carried)
        }
        while true {
            if case .complete(let response, let leftover) = progress {
                pending = leftover
                if let trace { trace(HTTPTrace.response(response, bodyLimit: traceBodyLimit)) }
                if stopsAfterHead { lastFraming = parser.framing ?? .length(0) }
                return response
            }
            let n: Int
            do {
                n = try stream.readSome(into: scratch, deadline: deadline)
            } catch {
                throw .transport(error)
            }
            if n == 0 {
                if stopsAfterHead { throw .connectionClosedEarly }
                let response = try parser.finish()
                if let trace { trace(HTTPTrace.response(response, bodyLimit: traceBodyLimit)) }
                var r = response
                r.keepAlive = false
                return r
            }
            progress = try parser.parse(UnsafeRawBufferPointer(rebasing: scratch[0..<n]))
        }
    }
}
