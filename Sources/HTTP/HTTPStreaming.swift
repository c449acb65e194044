import Transport

/// Bodies that never sit whole in memory (LXD's file API: a 1 GiB push or pull): a
/// request body sent as it is read, a response body handed on as it arrives. Each step
/// (one write, one read) gets its own deadline, so a long transfer is never cut by a
/// total one while a stalled peer still is.
extension HTTPConnection {
    /// Sends `request`'s head, then the body `source` fills in (it returns the byte count
    /// it put in the buffer, 0 at the end; its errors are rethrown untouched), then reads
    /// the (small) whole response. `length` known: Content-Length, and exactly that many
    /// bytes must come; nil: chunked.
    public func send(_ request: HTTPRequest, streamingBodyOf length: Int?, stepSeconds: Double,
                     source: (UnsafeMutableRawBufferPointer) throws -> Int) throws -> HTTPResponse {
        guard isReusable else { throw HTTPError.connectionNotReusable }
        isReusable = false
        let head = HTTPRequestWriter.serialize(request, host: host, userAgent: userAgent,
                                               streamedBody: length.map { .length($0) } ?? .chunked)
        if let trace { trace(HTTPTrace.request(head, bodyCount: 0, bodyLimit: traceBodyLimit)) }
        func put(_ bytes: UnsafeRawBufferPointer) throws {
            do { try stream.writeAll(bytes, deadline: .after(seconds: stepSeconds)) } catch { throw HTTPError.transport(error) }
        }
        try head.withUnsafeBytes { try put($0) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 128 * 1024, alignment: 16)
        defer { buffer.deallocate() }
        do {
            try sendBody(length: length, buffer: buffer, put: put, source: source)
        } catch let error as HTTPError {
            // The daemon may answer before it has read the body (an unknown instance, a
            // missing folder) and close: its answer says why, the broken pipe does not.
            guard case .transport = error, let early = try? readResponse(method: request.method, deadline: .after(seconds: 2)) else {
                throw error
            }
            return early
        }
        let response = try readResponse(method: request.method, deadline: .after(seconds: stepSeconds))
        isReusable = response.keepAlive
        return response
    }

    /// The body loop of `send(_:streamingBodyOf:…)`.
    private func sendBody(length: Int?, buffer: UnsafeMutableRawBufferPointer, put: (UnsafeRawBufferPointer) throws -> Void,
                          source: (UnsafeMutableRawBufferPointer) throws -> Int) throws {
        var sent = 0
        while true {
            // Room in front of the data for the chunk header (at most 15 hex digits + CRLF).
            let room = UnsafeMutableRawBufferPointer(rebasing: buffer[32..<(buffer.count - 2)])
            let n = try source(room)
            if n == 0 { break }
            sent += n
            if let length, sent > length { throw HTTPError.malformedResponse("request body longer than its Content-Length \(length)") }
            if length == nil {
                let header = HTTPChunkedEncoder.header(count: n)
                let start = 32 - header.count
                for (k, b) in header.enumerated() { buffer[start + k] = b }
                buffer[32 + n] = 13
                buffer[33 + n] = 10
                try put(UnsafeRawBufferPointer(rebasing: buffer[start..<(34 + n)]))
            } else {
                try put(UnsafeRawBufferPointer(rebasing: buffer[32..<(32 + n)]))
            }
        }
        if let length, sent != length { throw HTTPError.malformedResponse("request body of \(sent) bytes, not its Content-Length \(length)") }
        if length == nil { try HTTPChunkedEncoder.end.withUnsafeBytes { try put($0) } }
    }

    /// Sends `request` and reads the response's head only (its `body` is empty); the body
    /// then comes through `readBody`, to its end, before the connection can serve again.
    public func sendReadingHead(_ request: HTTPRequest, deadline: Deadline) throws(HTTPError) -> HTTPResponse {
        guard isReusable else { throw .connectionNotReusable }
        isReusable = false
        do throws(HTTPError) {
            try writeRequest(request, deadline: deadline)
            let head = try readResponse(method: request.method, deadline: deadline, stopsAfterHead: true)
            bodyDecoder = HTTPBodyDecoder(lastFraming)
            bodyKeepAlive = head.keepAlive
            return head
        } catch {
            close()
            throw error
        }
    }

    /// Hands the next body bytes of the response `sendReadingHead` read to `sink` (one
    /// read from the stream at most; slices, no copy). Returns false once the body has
    /// ended (nothing more comes). Errors of `sink` are rethrown untouched.
    public func readBody(stepSeconds: Double, sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool {
        guard var decoder = bodyDecoder else { return false }
        bodyDecoder = nil   // until this step succeeds: any error leaves the connection closed
        do {
            if !pending.isEmpty {
                let carried = pending
                let used = try carried.withUnsafeBytes { try decoder.decode($0, sink: sink) }
                pending = Array(carried[used...])
            }
            if decoder.isComplete { return finishBody() }
            let buffer = bodyScratch ?? UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
            bodyScratch = buffer
            let n: Int
            do { n = try stream.readSome(into: buffer, deadline: .after(seconds: stepSeconds)) } catch {
                throw HTTPError.transport(error)
            }
            if n == 0 {
                try decoder.finish()
                close()
                return false
            }
            let used = try decoder.decode(UnsafeRawBufferPointer(rebasing: buffer[0..<n]), sink: sink)
            if used < n { pending = Array(buffer[used..<n]) }
            if decoder.isComplete { return finishBody() }
            bodyDecoder = decoder
            return true
        } catch {
            close()
            throw error
        }
    }

    /// The body ended: the connection serves again when the response allowed it.
    private func finishBody() -> Bool {
        isReusable = bodyKeepAlive
        return false
    }
}
