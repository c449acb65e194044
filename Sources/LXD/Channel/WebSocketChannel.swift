import Transport
import WebSocket

/// One websocket over one non-blocking byte stream: a receive buffer decoded in place by
/// the codec's decoder, and an outbound queue of frames made by the codec's encoder,
/// flushed when the socket is writable. It only frames bytes: what to answer and when
/// to close is decided by the exec machine (`ExecSessionMachine`).
///
/// Not `Sendable`: one thread drives it (the one driving its `ExecSession`).
public final class WebSocketChannel {
    /// The upgraded connection the frames travel on.
    public let stream: any ByteStream
    // Unchecked exclusivity: one thread drives a channel, and the runtime check on each
    // mutating call of the codec was measurable per frame.
    @exclusivity(unchecked) var decoder: WebSocketDecoder
    @exclusivity(unchecked) var encoder = WebSocketFrameEncoder(role: .client)
    /// Receive buffer: `[start, end)` holds undecoded bytes.
    private let inbuf: UnsafeMutableRawBufferPointer
    private var start = 0
    private var end = 0
    /// Queued frames not yet written: `[outStart, out.count)`.
    private var out: [UInt8] = []
    private var outStart = 0
    /// The input frame built in place (header in the headroom, payload masked where it
    /// was read) and the part of it the socket has not taken yet (written before `out`).
    private var frameBuffer = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var prepared = 0
    private var framePending: Range<Int>?
    /// The peer finished (EOF or a read error); nothing more is read.
    public private(set) var readEOF = false
    /// The peer's close frame arrived or a violation was found: nothing after it is decoded.
    public private(set) var decodingStopped = false
    /// A write failed (peer gone): later writes are dropped.
    public private(set) var writeFailed = false
    /// The last read wanted the socket writable (TLS).
    private(set) var readWantsWrite = false

    /// Bytes read from the socket at a time.
    public static let receiveBufferSize = 256 * 1024
    static let headroom = WebSocketFrameEncoder.maxHeaderLength

    /// A channel over an upgraded `stream`; `leftover` is what arrived after the HTTP answer.
    public init(stream: any ByteStream, leftover: [UInt8] = [],
                decoder configuration: WebSocketDecoderConfiguration = WebSocketDecoderConfiguration(role: .client)) {
        self.stream = stream
        decoder = WebSocketDecoder(configuration: configuration)
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

    /// The socket's descriptor, to poll.
    public var fileDescriptor: Int32 { stream.fileDescriptor }
    /// Frames written in part or queued, still to be sent.
    public var hasPendingOutput: Bool { framePending != nil || outStart < out.count }
    /// Bytes already read (undecoded, or decrypted inside TLS) that poll(2) cannot see.
    public var hasBufferedInput: Bool { !readEOF && (stream.hasBufferedInput || stoppedEarly) }
    /// The handler stopped decoding with complete frames possibly left in the buffer.
    private var stoppedEarly = false
    /// The events to poll for.
    public var pollEvents: Int16 {
        var events: Int16 = 0
        if !readEOF { events |= ReadinessWanted.read.pollEvents }
        if hasPendingOutput || readWantsWrite { events |= ReadinessWanted.write.pollEvents }
        return events
    }

    // MARK: - Sending

    /// Queues one frame made by the codec's encoder (masked with a fresh key).
    public func send(_ opcode: WebSocketOpcode, _ payload: [UInt8]) {
        guard !writeFailed else { return }
        out.append(contentsOf: encoder.encode(opcode: opcode, payload: payload))
    }

    /// No frame is queued: a new input frame may be prepared (frames stay in order).
    public var isReadyForInput: Bool { !writeFailed && framePending == nil && outStart == out.count && prepared == 0 }

    /// Reads up to `maxCount` bytes of input from `fd` into the frame buffer, behind room
    /// for the header. Nothing is sent until `sendPreparedInput()`.
    public func prepareInput(readingFrom fd: Int32, maxCount: Int) -> LocalRead {
        reserveFrameBuffer(maxCount)
        let r = LocalIO.read(fd, into: UnsafeMutableRawBufferPointer(rebasing: frameBuffer[Self.headroom..<(Self.headroom + maxCount)]))
        if case .bytes(let n) = r { prepared = n }
        return r
    }

    /// Copies in-memory input into the frame buffer (one copy, as a socket read would).
    public func prepareInput(_ bytes: UnsafeRawBufferPointer) {
        reserveFrameBuffer(bytes.count)
        if let base = bytes.baseAddress, bytes.count > 0 {
            (frameBuffer.baseAddress! + Self.headroom).copyMemory(from: base, byteCount: bytes.count)
        }
        prepared = bytes.count
    }

    /// The prepared input, before it is framed.
    public var preparedInput: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: frameBuffer[Self.headroom..<(Self.headroom + prepared)])
    }

    /// The last byte of the prepared input.
    public var preparedLastByte: UInt8 { prepared > 0 ? frameBuffer[Self.headroom + prepared - 1] : 10 }

    /// Frames the prepared input as one binary message with the codec's `encodeInPlace`
    /// (header into the headroom, payload masked in place) and writes what the socket
    /// takes now; the rest waits in the frame buffer (no copy).
    public func sendPreparedInput() {
        guard prepared > 0 else { return }
        let range = encoder.encodeInPlace(frameBuffer, payloadOffset: Self.headroom, payloadCount: prepared, opcode: .binary)
        prepared = 0
        framePending = range
        flush()
    }

    /// Forgets the input prepared by the last read without consuming it.
    public func discardPreparedInput() { prepared = 0 }

    private func reserveFrameBuffer(_ count: Int) {
        if frameBuffer.count < Self.headroom + count {
            frameBuffer.deallocate()
            frameBuffer = .allocate(byteCount: Self.headroom + count, alignment: 16)
        }
    }

    /// Writes as much as the socket takes now. Returns true when nothing is left queued.
    /// A failed write (peer gone) drops the queue and sets `writeFailed`.
    @discardableResult
    public func flush() -> Bool {
        while let pending = framePending, !writeFailed {
            guard let k = write(UnsafeRawBufferPointer(rebasing: frameBuffer[pending])) else { return false }
            framePending = pending.lowerBound + k < pending.upperBound ? (pending.lowerBound + k)..<pending.upperBound : nil
        }
        while outStart < out.count, !writeFailed {
            let k = out.withUnsafeBytes { write(UnsafeRawBufferPointer(rebasing: $0[outStart..<$0.count])) }
            guard let k else { return false }
            outStart += k
        }
        if writeFailed {
            framePending = nil
            out.removeAll(keepingCapacity: false)
            outStart = 0
            return true
        }
        if outStart > 0 {
            out.removeAll(keepingCapacity: out.capacity <= 1 << 20)
            outStart = 0
        }
        return true
    }

    /// One non-blocking write: the count written, nil when the socket is full.
    private func write(_ bytes: UnsafeRawBufferPointer) -> Int? {
        do {
            switch try stream.write(bytes) {
            case .bytes(let n): return n
            case .wouldBlock, .eof: return nil
            }
        } catch {
            writeFailed = true
            return 0
        }
    }

    /// Blocks until everything queued is written or the deadline passes.
    public func flushBlocking(deadline: Deadline) {
        while !flush() {
            do { try waitUntilReady(stream.fileDescriptor, .write, deadline: deadline, what: "websocket write") } catch { return }
        }
    }

    // MARK: - Receiving

    /// What one `read` found.
    public struct ReadOutcome: Equatable, Sendable {
        /// Bytes arrived (the peer is alive).
        public var receivedBytes: Bool
        /// The peer finished: EOF or a read error.
        public var ended: Bool
    }

    /// Reads what the socket has (one read, and what TLS read ahead) and hands every
    /// decoded event to `handler`, which returns false to stop decoding for now (the
    /// rest stays buffered). Throws
    /// the RFC 6455 rule the peer broke; nothing more is decoded after that, nor after
    /// a close frame.
    public func read(_ handler: (WebSocketDecoderEvent) -> Bool) throws(WebSocketProtocolError) -> ReadOutcome {
        var outcome = ReadOutcome(receivedBytes: false, ended: readEOF)
        if readEOF { return outcome }
        if end == inbuf.count, start > 0 {
            let n = end - start
            if n > 0 { inbuf.baseAddress!.copyMemory(from: inbuf.baseAddress! + start, byteCount: n) }
            start = 0
            end = n
        }
        readWantsWrite = false
        // One read from the socket; a TLS stream then hands over what it read ahead
        // (one record per read) until the buffer is full, so the frames of many records
        // are decoded, and their output written, at once.
        while end < inbuf.count {
            do {
                switch try stream.read(into: UnsafeMutableRawBufferPointer(rebasing: inbuf[end..<inbuf.count])) {
                case .bytes(let n):
                    end += n
                    outcome.receivedBytes = true
                case .wouldBlock(let wanted):
                    readWantsWrite = wanted == .write
                case .eof:
                    outcome.ended = true
                }
            } catch {
                outcome.ended = true
            }
            if outcome.ended || !outcome.receivedBytes || !stream.hasBufferedInput { break }
        }
        try decodeBuffered(handler)
        if outcome.ended { readEOF = true }
        return outcome
    }

    /// Decodes bytes already in the buffer (e.g. the leftover after the 101).
    public func decodeBuffered(_ handler: (WebSocketDecoderEvent) -> Bool) throws(WebSocketProtocolError) {
        stoppedEarly = false
        guard start < end, !decodingStopped else { return }
        let window = UnsafeMutableRawBufferPointer(rebasing: inbuf[start..<end])
        var index = 0
        defer {
            start += index
            if start == end {
                start = 0
                end = 0
            }
        }
        while !decodingStopped {
            let event: WebSocketDecoderEvent?
            do {
                event = try decoder.parseStep(window, index: &index)
            } catch {
                decodingStopped = true
                throw error
            }
            guard let event else { break }
            if case .close = event { decodingStopped = true }
            if !handler(event) {
                stoppedEarly = true
                break
            }
        }
    }

    /// Closes the connection; nothing more is read or written.
    public func close() {
        readEOF = true
        decodingStopped = true
        stream.close()
    }
}
