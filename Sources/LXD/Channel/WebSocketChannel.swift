import Glibc
import Transport
import WebSocket

/// One websocket over one byte stream, driven from a poll(2) loop: a receive buffer
/// decoded in place by the codec, and an outbound queue that is flushed when the
/// socket is writable. Pings are answered and the close handshake followed here, so
/// the exec pump only sees data, barriers and the end.
public final class WebSocketChannel {
    /// What the pump gets from `readEvents`.
    public enum Event {
        /// Payload bytes of a data message, valid only during the callback.
        case data(UnsafeRawBufferPointer, text: Bool, messageEnd: Bool)
        /// The peer's close frame (already answered).
        case close(code: UInt16?, reason: String)
    }

    public let stream: any ByteStream
    var decoder: WebSocketDecoder
    var encoder = WebSocketFrameEncoder(role: .client)
    /// Receive buffer: `[start, end)` holds undecoded bytes.
    private let inbuf: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    /// Outbound bytes not yet written: `[outStart, out.count)`.
    private var out: [UInt8] = []
    private var outStart = 0
    /// OpenSSL wants a retried write with the same bytes; we keep them in `out`.
    public private(set) var readEOF = false
    /// Ping/pong and the close handshake, decided by the codec's pure state machine.
    private var connection = WebSocketConnectionStateMachine()
    /// We sent (or answered) a close: nothing more may be sent (RFC 6455 §5.5.1).
    public var closeSent: Bool { connection.state != .open }
    /// The peer's close frame arrived: nothing after it is read.
    public var closeReceived: Bool { connection.receivedClose != nil }
    /// Monotonic time of the last bytes received.
    public private(set) var lastReceived: UInt64 = monotonicNanoseconds()
    /// A write error (peer gone) is remembered; later writes are dropped.
    public private(set) var writeFailed = false
    /// The last read wanted the socket writable (TLS).
    var readWantsWrite = false

    public static let receiveBufferSize = 256 * 1024
    /// Outbound frame buffer for zero-copy stdin (allocated on first use), and the part
    /// of its frame the socket has not taken yet (written before `out`).
    private var frameBuffer = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var framePending: Range<Int>?

    public init(stream: any ByteStream, leftover: [UInt8] = []) {
        self.stream = stream
        decoder = WebSocketDecoder(configuration: WebSocketDecoderConfiguration(role: .client))
        inbuf = .allocate(byteCount: max(Self.receiveBufferSize, leftover.count), alignment: 16)
        if !leftover.isEmpty {
            leftover.withUnsafeBytes { inbuf.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            end = leftover.count
        }
    }

    deinit {
        frameBuffer.deallocate()
        inbuf.deallocate()
        stream.close()
    }

    public var fileDescriptor: Int32 { stream.fileDescriptor }
    public var hasPendingOutput: Bool { framePending != nil || outStart < out.count }
    /// True when undecoded bytes or TLS-buffered bytes wait (poll would not report them).
    public var hasBufferedInput: Bool { stream.hasBufferedInput }

    // MARK: - Sending

    /// Queues one masked data frame (text or binary). Returns false once the socket
    /// failed or a close was sent. Control frames go through the state machine
    /// (`sendPing`, `sendClose`, and the answers to the peer's pings and close).
    @discardableResult
    public func send(opcode: WebSocketOpcode, payload: UnsafeRawBufferPointer, fin: Bool = true) -> Bool {
        guard connection.canSendData else { return false }
        return appendFrame(opcode: opcode, payload: payload, fin: fin)
    }

    /// Appends one masked frame to the outbound queue.
    @discardableResult
    private func appendFrame(opcode: WebSocketOpcode, payload: UnsafeRawBufferPointer, fin: Bool = true) -> Bool {
        guard !writeFailed else { return false }
        let key = encoder.nextMaskKey()
        let headerCount = WebSocketFrameEncoder.headerLength(payloadCount: payload.count, masked: true)
        let base = out.count
        let total = headerCount + payload.count
        out.append(contentsOf: repeatElement(0, count: total))
        out.withUnsafeMutableBytes { buf in
            let frame = UnsafeMutableRawBufferPointer(rebasing: buf[base..<(base + total)])
            WebSocketFrameEncoder.writeHeader(into: frame, opcode: opcode, fin: fin, payloadCount: payload.count, maskKey: key)
            if payload.count > 0 {
                let body = UnsafeMutableRawBufferPointer(rebasing: frame[headerCount...])
                body.copyMemory(from: payload)
                if let key { WebSocketFrameEncoder.mask(body, key: key) }
            }
        }
        return true
    }

    /// Performs what the state machine decided.
    private func perform(_ action: WebSocketConnectionStateMachine.Action) {
        let frame: (WebSocketOpcode, [UInt8])
        switch action {
        case .sendPong(let payload): frame = (.pong, payload)
        case .sendPing(let payload): frame = (.ping, payload)
        case .sendClose(let close), .sendCloseAndShutdown(let close): frame = (.close, close.payload)
        case .none, .shutdown, .alreadyClosing, .alreadyClosed: return
        }
        frame.1.withUnsafeBytes { _ = appendFrame(opcode: frame.0, payload: $0) }
    }

    /// Reads up to `maxCount` bytes from `fd` straight into a frame buffer and sends them
    /// as one binary message: header written in the headroom, payload masked in place,
    /// written without another copy. Only when nothing else is queued (else it returns
    /// `.blocked`). Returns the read's outcome.
    public func sendBinary(readingFrom fd: Int32, maxCount: Int) -> StdinRead {
        guard !writeFailed, connection.canSendData else { return .blocked }
        guard framePending == nil, outStart == out.count else { return .blocked }
        let headroom = 14
        if frameBuffer.count < headroom + maxCount {
            frameBuffer.deallocate()
            frameBuffer = .allocate(byteCount: headroom + maxCount, alignment: 16)
        }
        let n = read(fd, frameBuffer.baseAddress! + headroom, maxCount)
        if n == 0 { return .eof }
        if n < 0 { return errno == EINTR || errno == EAGAIN ? .again : .eof }
        let key = encoder.nextMaskKey()
        let headerCount = WebSocketFrameEncoder.headerLength(payloadCount: n, masked: key != nil)
        let frameStart = headroom - headerCount
        let frame = UnsafeMutableRawBufferPointer(rebasing: frameBuffer[frameStart..<(headroom + n)])
        WebSocketFrameEncoder.writeHeader(into: frame, opcode: .binary, fin: true, payloadCount: n, maskKey: key)
        let payload = UnsafeMutableRawBufferPointer(rebasing: frameBuffer[headroom..<(headroom + n)])
        let last = payload[n - 1]
        if let key { WebSocketFrameEncoder.mask(payload, key: key) }
        // Write what the socket takes now; the rest stays in the frame buffer until the
        // socket is writable again (no copy).
        var written = 0
        while written < frame.count {
            let r: IOResult
            do {
                r = try stream.write(UnsafeRawBufferPointer(rebasing: frame[written...]))
            } catch {
                writeFailed = true
                return .sent(lastByte: last)
            }
            guard case .bytes(let k) = r else { break }
            written += k
        }
        if written < frame.count {
            framePending = (frameStart + written)..<(headroom + n)
        }
        return .sent(lastByte: last)
    }

    /// Outcome of `sendBinary(readingFrom:maxCount:)`.
    public enum StdinRead: Equatable {
        case sent(lastByte: UInt8)
        case eof
        case again
        case blocked
    }

    public func sendBinary(_ bytes: [UInt8]) { bytes.withUnsafeBytes { _ = send(opcode: .binary, payload: $0) } }
    public func sendText(_ text: String) {
        var t = text
        t.withUTF8 { _ = send(opcode: .text, payload: UnsafeRawBufferPointer($0)) }
    }
    /// An empty text message: LXD's end-of-stream barrier.
    public func sendBarrier() { _ = send(opcode: .text, payload: UnsafeRawBufferPointer(start: nil, count: 0)) }
    /// Starts the close handshake (RFC 6455 §5.5.1).
    public func sendClose(code: UInt16, reason: String = "") {
        perform(connection.close(code: WebSocketCloseCode(code: code), reason: reason))
    }
    public func sendPing(_ payload: [UInt8] = []) { perform(connection.sendPing(payload)) }

    /// Writes as much queued output as the socket takes now. Returns true when all was
    /// written. A failed write (peer gone) drops the queue and sets `writeFailed`.
    @discardableResult
    public func flush() -> Bool {
        while let pending = framePending, !writeFailed {
            do {
                let r = try stream.write(UnsafeRawBufferPointer(rebasing: frameBuffer[pending]))
                guard case .bytes(let k) = r else { return false }
                framePending = pending.lowerBound + k < pending.upperBound ? (pending.lowerBound + k)..<pending.upperBound : nil
            } catch {
                writeFailed = true
                framePending = nil
            }
        }
        while outStart < out.count {
            let result: IOResult
            do {
                result = try out.withUnsafeBytes { try stream.write(UnsafeRawBufferPointer(rebasing: $0[outStart..<$0.count])) }
            } catch {
                writeFailed = true
                out.removeAll(keepingCapacity: false)
                outStart = 0
                return true
            }
            switch result {
            case .bytes(let n): outStart += n
            case .wouldBlock, .eof: return false
            }
        }
        if outStart > 0 {
            out.removeAll(keepingCapacity: out.capacity <= 1 << 20)
            outStart = 0
        }
        return true
    }

    /// Blocks until everything queued is written or the deadline passes.
    public func flushBlocking(deadline: Deadline) {
        while !flush() {
            do { try waitUntilReady(stream.fileDescriptor, .write, deadline: deadline, what: "websocket write") } catch { return }
        }
    }

    // MARK: - Receiving

    /// Reads what the socket has (one read), decodes every complete piece and hands data
    /// to `handler`. Answers pings and close frames itself. Returns false at EOF.
    /// Throws `ChannelError.protocolViolation` (after queueing the close frame with the
    /// RFC's code) when the peer breaks RFC 6455.
    public func readEvents(_ handler: (Event) throws -> Void) throws -> Bool {
        if readEOF { return false }
        if end == inbuf.count {
            if start > 0 {
                let n = end - start
                if n > 0 { inbuf.baseAddress!.copyMemory(from: inbuf.baseAddress! + start, byteCount: n) }
                start = 0
                end = n
            }
        }
        readWantsWrite = false
        var gotEOF = false
        if end < inbuf.count {
            do {
                let r = try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: inbuf[end..<inbuf.count]))
                switch r {
                case .bytes(let n):
                    end += n
                    lastReceived = monotonicNanoseconds()
                case .wouldBlock(let wanted):
                    readWantsWrite = wanted == .write
                case .eof:
                    gotEOF = true
                }
            } catch {
                gotEOF = true
            }
        }
        try decodeBuffered(handler)
        if gotEOF {
            readEOF = true
            return false
        }
        return true
    }

    /// Decodes bytes already in the buffer (e.g. the leftover after the 101).
    func decodeBuffered(_ handler: (Event) throws -> Void) throws {
        guard start < end, !closeReceived else { return }
        let window = UnsafeMutableRawBufferPointer(rebasing: inbuf[start..<end])
        var index = 0
        defer {
            start += index
            if start == end {
                start = 0
                end = 0
            }
        }
        while !closeReceived {
            let event: WebSocketDecoderEvent?
            do {
                event = try decoder.parseStep(window, index: &index)
            } catch {
                // The RFC's close code for this violation (1002 / 1007 / 1009), then fail.
                let code = error.closeCode.code
                perform(connection.failed(error))
                flush()
                throw ChannelError.protocolViolation(code: code, detail: error.description)
            }
            guard let event else { break }
            switch event {
            case .data(let chunk):
                try handler(.data(chunk.bytes, text: chunk.kind == .text, messageEnd: chunk.isMessageEnd))
            case .ping(let payload):
                perform(connection.receivedPing(payload))
            case .pong(let payload):
                _ = connection.receivedPong(payload)
            case .close(let frame):
                // Answered echoing the peer's code (§5.5.1) unless we had closed first.
                perform(connection.receivedClose(frame))
                try handler(.close(code: frame.code?.code, reason: frame.reason))
            }
        }
    }
}

/// Failures of a websocket channel.
public enum ChannelError: Error, CustomStringConvertible {
    /// The peer broke RFC 6455; we sent close `code`.
    case protocolViolation(code: UInt16, detail: String)

    public var description: String {
        switch self {
        case .protocolViolation(let code, let detail):
            return "invalid websocket data from LXD (\(detail)); closed with \(code)"
        }
    }
}
