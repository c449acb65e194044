/// A decoder and an assembler together: bytes in, whole messages out.
///
/// A protocol violation never costs the messages completed before it: they are handed
/// over first, then the error. The reader then stays failed (the connection must be
/// failed, RFC 6455 §7.1.7): every later read throws the same error.
public struct WebSocketMessageReader: Sendable {
    /// The frame decoder (its configuration holds the limits).
    public private(set) var decoder: WebSocketDecoder
    private var assembler: WebSocketMessageAssembler
    /// The violation met, once the messages before it have been handed over.
    public private(set) var failure: WebSocketProtocolError?

    /// A reader with the given limits and role; whole messages are bounded by
    /// `configuration.maxBufferedMessageSize`.
    public init(configuration: WebSocketDecoderConfiguration = WebSocketDecoderConfiguration()) {
        decoder = WebSocketDecoder(configuration: configuration)
        assembler = WebSocketMessageAssembler(maxMessageSize: configuration.maxBufferedMessageSize)
    }

    /// Decodes all of `buffer` (unmasking it in place), appending each message to
    /// `messages` as it completes. On a violation, the messages before it are already
    /// appended when the error is thrown.
    public mutating func read(
        _ buffer: UnsafeMutableRawBufferPointer, into messages: inout [WebSocketMessage]
    ) throws(WebSocketProtocolError) {
        if let failure { throw failure }
        var index = 0
        do {
            while let event = try decoder.parseStep(buffer, index: &index) {
                if let message = try assembler.push(event) { messages.append(message) }
            }
        } catch {
            failure = error
            throw error
        }
    }

    /// Decodes all of `buffer` (unmasking it in place) and returns the messages it
    /// completed, in order. When a violation follows complete messages, they are
    /// returned and the next call throws the violation; with none before it, it is
    /// thrown at once.
    public mutating func read(_ buffer: UnsafeMutableRawBufferPointer) throws(WebSocketProtocolError) -> [WebSocketMessage] {
        var messages: [WebSocketMessage] = []
        do { try read(buffer, into: &messages) } catch {
            if messages.isEmpty { throw error }
        }
        return messages
    }

    /// Decodes a byte array, appending to `messages` (see `read(_:into:)`).
    public mutating func read(_ bytes: [UInt8], into messages: inout [WebSocketMessage]) throws(WebSocketProtocolError) {
        var copy = bytes
        let result = copy.withUnsafeMutableBytes { buffer in
            Result { () throws(WebSocketProtocolError) in try read(buffer, into: &messages) }
        }
        try result.get()
    }

    /// Decodes a byte array; convenient where zero-copy does not matter (see `read(_:)`).
    public mutating func read(_ bytes: [UInt8]) throws(WebSocketProtocolError) -> [WebSocketMessage] {
        var copy = bytes
        let result = copy.withUnsafeMutableBytes { buffer in
            Result { () throws(WebSocketProtocolError) in try read(buffer) }
        }
        return try result.get()
    }
}
