/// A streaming, zero-copy decoder of RFC 6455 frames.
///
/// Bytes may be split anywhere. Data payloads are unmasked in place and handed out as
/// chunks as soon as they arrive, so memory stays bounded by the caller's read buffer
/// plus at most 14 header bytes and one 125-byte control payload, whatever the frame
/// and message sizes (so they are unlimited by default); control frames are buffered
/// and delivered whole. Every framing rule of §5 that binds a receiver is
/// checked here and reported as a `WebSocketProtocolError` carrying the close code.
///
/// Use it as a loop around `parseStep`:
///
///     var index = 0
///     while let event = try decoder.parseStep(buffer, index: &index) { handle(event) }
///
/// After the loop `index == buffer.count`: every byte was consumed, and the buffer may
/// be reused for the next read. After an error the decoder stays failed.
public struct WebSocketDecoder: Sendable {
    private enum State {
        /// Between frames, or inside a header (its bytes so far in `partialHeader`).
        case header
        /// Inside a data frame's payload with this many bytes left.
        case data(remaining: Int)
        /// Inside a control frame's payload with this many bytes left.
        case control(remaining: Int)
        /// A rule was broken; every later call rethrows.
        case failed(WebSocketProtocolError)
    }

    /// Limits and role.
    public let configuration: WebSocketDecoderConfiguration

    private var state: State = .header
    /// Header bytes seen so far when a header was split across reads.
    private var partialHeader: [UInt8] = []
    /// The control payload being collected.
    private var controlPayload: [UInt8] = []

    // The current frame.
    private var frameKey: WebSocketMaskingKey?
    private var frameOffset = 0
    private var frameFin = false
    private var frameOpcode = WebSocketOpcode.continuation

    // The current message (between its first frame and the frame with FIN).
    private var messageKind: WebSocketMessageKind?
    private var messageLength = 0
    private var messageStartPending = false
    private var utf8 = UTF8Validator()

    /// A decoder with the given limits (defaults: client role, see
    /// `WebSocketDecoderConfiguration`).
    public init(configuration: WebSocketDecoderConfiguration = WebSocketDecoderConfiguration()) {
        self.configuration = configuration
        partialHeader.reserveCapacity(WebSocketFrameHeader.maxLength)
        controlPayload.reserveCapacity(125)
    }

    /// Whether a fragmented message has started and not yet ended.
    public var isInsideMessage: Bool { messageKind != nil }

    /// Whether the decoder stopped at a frame boundary (no partial header or payload),
    /// which is where a clean end of stream may happen.
    public var isAtFrameBoundary: Bool {
        if case .header = state { return partialHeader.isEmpty }
        return false
    }

    /// Consumes bytes of `buffer` from `index` on and returns the next event, or nil once
    /// every byte has been consumed (then `index == buffer.count`). Data chunks point
    /// into `buffer`, which is unmasked in place.
    public mutating func parseStep(
        _ buffer: UnsafeMutableRawBufferPointer,
        index: inout Int
    ) throws(WebSocketProtocolError) -> WebSocketDecoderEvent? {
        if case .failed(let error) = state { throw error }
        do {
            return try step(buffer, index: &index)
        } catch {
            state = .failed(error)
            throw error
        }
    }

    private mutating func step(
        _ buffer: UnsafeMutableRawBufferPointer,
        index: inout Int
    ) throws(WebSocketProtocolError) -> WebSocketDecoderEvent? {
        let count = buffer.count
        while index < count {
            switch state {
            case .header:
                if partialHeader.isEmpty {
                    let view = UnsafeRawBufferPointer(rebasing: buffer[index...])
                    if case .header(let header, let length, let minimal, let overflow) = WebSocketFrameHeader.parse(view) {
                        index += length
                        if let event = try beginFrame(header, minimal: minimal, overflow: overflow, buffer: buffer, index: index) {
                            return event
                        }
                        continue
                    }
                }
                // The header is split across reads: collect it byte by byte.
                var complete = false
                while index < count {
                    partialHeader.append(buffer[index])
                    index += 1
                    let parsed = partialHeader.withUnsafeBytes { WebSocketFrameHeader.parse($0) }
                    if case .header(let header, _, let minimal, let overflow) = parsed {
                        partialHeader.removeAll(keepingCapacity: true)
                        complete = true
                        if let event = try beginFrame(header, minimal: minimal, overflow: overflow, buffer: buffer, index: index) {
                            return event
                        }
                        break
                    }
                }
                if !complete { return nil }

            case .data(let remaining):
                let n = min(remaining, count - index)
                let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[index..<(index + n)])
                if let key = frameKey {
                    WebSocketMasking.mask(chunk, key: key, startingAt: frameOffset)
                }
                frameOffset += n
                index += n
                let left = remaining - n
                state = left == 0 ? .header : .data(remaining: left)
                return try emitChunk(UnsafeRawBufferPointer(chunk), frameEnd: left == 0)

            case .control(let remaining):
                let n = min(remaining, count - index)
                controlPayload.append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[index..<(index + n)]))
                index += n
                if remaining > n {
                    state = .control(remaining: remaining - n)
                    return nil
                }
                state = .header
                return try finishControlFrame()

            case .failed(let error):
                throw error
            }
        }
        return nil
    }

    /// Validates a complete header against §5 and sets up the payload state. Returns an
    /// event at once for empty payloads.
    private mutating func beginFrame(
        _ header: WebSocketFrameHeader,
        minimal: Bool,
        overflow: Bool,
        buffer: UnsafeMutableRawBufferPointer,
        index: Int
    ) throws(WebSocketProtocolError) -> WebSocketDecoderEvent? {
        let opcode = header.opcode
        if header.rsv != 0 { throw .reservedBitsSet }
        if !opcode.isDefined { throw .unknownOpcode(opcode.rawValue) }
        if header.isMasked != configuration.role.expectsMaskedFrames {
            throw configuration.role == .client ? .maskedFrameFromServer : .unmaskedFrameFromClient
        }
        if overflow { throw .lengthOverflow }
        if !minimal && configuration.requireMinimalLengths { throw .nonMinimalLength }
        let length = header.payloadLength

        if opcode.isControl {
            if !header.fin { throw .fragmentedControlFrame }
            if length > 125 { throw .controlFrameTooLong(length) }
            frameOpcode = opcode
            frameKey = header.maskKey
            controlPayload.removeAll(keepingCapacity: true)
            if length == 0 { return try finishControlFrame() }
            state = .control(remaining: length)
            return nil
        }

        if opcode == .continuation {
            if messageKind == nil { throw .continuationWithoutStart }
        } else {
            if messageKind != nil { throw .dataFrameInsideFragmentedMessage }
            messageKind = opcode == .text ? .text : .binary
            messageLength = 0
            messageStartPending = true
            utf8.reset()
        }
        // Policy limits only (off by default): the payload is streamed, not buffered.
        if let limit = configuration.maxFrameSize, length > limit { throw .frameTooLarge(limit: limit) }
        if let limit = configuration.maxMessageSize, length > limit - messageLength {
            throw .messageTooLarge(limit: limit)
        }
        // Saturating: without a limit, a long fragmented message must not overflow.
        messageLength = length > Int.max - messageLength ? Int.max : messageLength + length
        frameKey = header.maskKey
        frameOffset = 0
        frameFin = header.fin
        if length == 0 {
            let empty = UnsafeRawBufferPointer(rebasing: buffer[index..<index])
            return try emitChunk(empty, frameEnd: true)
        }
        state = .data(remaining: length)
        return nil
    }

    @inline(__always)
    private mutating func emitChunk(_ bytes: UnsafeRawBufferPointer, frameEnd: Bool) throws(WebSocketProtocolError) -> WebSocketDecoderEvent {
        let kind = messageKind ?? .binary
        let isEnd = frameEnd && frameFin
        if kind == .text && configuration.validateUTF8 {
            if !utf8.validate(bytes) { throw .invalidUTF8 }
            if isEnd && !utf8.isComplete { throw .invalidUTF8 }
        }
        let isStart = messageStartPending
        messageStartPending = false
        if isEnd { messageKind = nil }
        return .data(WebSocketDataChunk(kind: kind, bytes: bytes, isMessageStart: isStart, isMessageEnd: isEnd))
    }

    private mutating func finishControlFrame() throws(WebSocketProtocolError) -> WebSocketDecoderEvent {
        if let key = frameKey, !controlPayload.isEmpty {
            controlPayload.withUnsafeMutableBytes { WebSocketMasking.mask($0, key: key) }
        }
        let payload = controlPayload
        controlPayload.removeAll(keepingCapacity: true)
        switch frameOpcode {
        case .ping: return .ping(payload)
        case .pong: return .pong(payload)
        default: return .close(try WebSocketCloseFrame(payload: payload, validateUTF8: configuration.validateUTF8))
        }
    }
}
