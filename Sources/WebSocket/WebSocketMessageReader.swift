/// A decoder and an assembler together: bytes in, whole messages out.
public struct WebSocketMessageReader: Sendable {
    /// The frame decoder (its configuration holds the limits).
    public private(set) var decoder: WebSocketDecoder
    private var assembler: WebSocketMessageAssembler

    /// A reader with the given limits and role; whole messages are bounded by
    /// `configuration.maxBufferedMessageSize`.
    public init(configuration: WebSocketDecoderConfiguration = WebSocketDecoderConfiguration()) {
        decoder = WebSocketDecoder(configuration: configuration)
        assembler = WebSocketMessageAssembler(maxMessageSize: configuration.maxBufferedMessageSize)
    }

    /// Decodes all of `buffer` (unmasking it in place) and returns the messages it
    /// completed, in order.
    public mutating func read(_ buffer: UnsafeMutableRawBufferPointer) throws(WebSocketProtocolError) -> [WebSocketMessage] {
        var messages: [WebSocketMessage] = []
        var index = 0
        while let event = try decoder.parseStep(buffer, index: &index) {
            if let message = try assembler.push(event) { messages.append(message) }
        }
        return messages
    }

    /// Decodes a byte array; convenient where zero-copy does not matter.
    public mutating func read(_ bytes: [UInt8]) throws(WebSocketProtocolError) -> [WebSocketMessage] {
        var copy = bytes
        let result = copy.withUnsafeMutableBytes { buffer in
            Result { () throws(WebSocketProtocolError) in try read(buffer) }
        }
        return try result.get()
    }
}
