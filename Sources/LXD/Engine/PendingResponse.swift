import HTTP
import Transport

/// An HTTP request already sent whose answer is read inside the event loop: the `/wait`
/// that carries the exit status, or a result lookup. Non-blocking: `read()` takes what
/// the socket has.
final class PendingResponse {
    let stream: any ByteStream
    private var parser = HTTPResponseParser(requestMethod: "GET")
    private var buffer = [UInt8](repeating: 0, count: 16 * 1024)

    enum Progress {
        case pending
        case answered(HTTPResponse)
        case failed(String)
    }

    init(stream: any ByteStream) {
        self.stream = stream
    }

    deinit { stream.close() }

    var fileDescriptor: Int32 { stream.fileDescriptor }
    var hasBufferedInput: Bool { stream.hasBufferedInput }

    /// One read, parsed.
    func read() -> Progress {
        let r: IOResult
        do {
            r = try buffer.withUnsafeMutableBytes { try stream.read(into: $0) }
        } catch {
            return .failed("\(error)")
        }
        do throws(HTTPError) {
            switch r {
            case .bytes(let n):
                if case .complete(let response, _) = try parser.parse(Array(buffer[0..<n])) {
                    return .answered(response)
                }
                return .pending
            case .wouldBlock:
                return .pending
            case .eof:
                if parser.isReadingUntilClose { return .answered(try parser.finish()) }
                return .failed("the daemon closed the connection before answering")
            }
        } catch {
            return .failed(error.description)
        }
    }

    func close() { stream.close() }
}

extension LXDClient {
    /// Sends `GET target` on a new connection and returns without waiting for the answer.
    func startRequest(_ target: String, deadline: Deadline) throws(LXDError) -> PendingResponse {
        let stream = try connect(deadline: deadline)
        let request = HTTPRequest.get(target)
        do {
            try stream.writeAll(HTTPRequestWriter.serialize(request, host: hostHeader, userAgent: HTTPConnection.defaultUserAgent), deadline: deadline)
        } catch {
            stream.close()
            throw .transport(error)
        }
        if let trace { trace("> GET \(redactSecrets(request.target))") }
        return PendingResponse(stream: stream)
    }
}

extension ExecOperationState {
    /// The machine's view of an operation.
    init(_ op: Operation) {
        self.init(isFinal: op.isFinal, exitStatus: op.exitStatus, statusCode: op.statusCode, status: op.status, err: op.err)
    }
}
