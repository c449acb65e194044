import XCTest
import WebSocket

/// A decoder event with its bytes copied out, so tests can compare events by value.
enum OwnedEvent: Equatable {
    case data(WebSocketMessageKind, [UInt8], start: Bool, end: Bool)
    case ping([UInt8])
    case pong([UInt8])
    case close(WebSocketCloseFrame)
}

/// Deterministic PRNG for property tests (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Feeds `bytes` to a decoder in pieces whose sizes come from `chunkSizes` (cycled),
/// returning every event copied out.
func decodeEvents(
    _ bytes: [UInt8],
    configuration: WebSocketDecoderConfiguration = WebSocketDecoderConfiguration(),
    chunkSizes: [Int] = [Int.max]
) throws(WebSocketProtocolError) -> [OwnedEvent] {
    var decoder = WebSocketDecoder(configuration: configuration)
    return try decodeEvents(bytes, decoder: &decoder, chunkSizes: chunkSizes)
}

func decodeEvents(
    _ bytes: [UInt8],
    decoder: inout WebSocketDecoder,
    chunkSizes: [Int] = [Int.max]
) throws(WebSocketProtocolError) -> [OwnedEvent] {
    var events: [OwnedEvent] = []
    var buffer = bytes
    var start = 0
    var which = 0
    while start < buffer.count {
        let size = max(1, chunkSizes[which % chunkSizes.count])
        which += 1
        let end = start + min(size, buffer.count - start)
        let result = buffer.withUnsafeMutableBytes { all in
            Result { () throws(WebSocketProtocolError) -> [OwnedEvent] in
                var out: [OwnedEvent] = []
                let piece = UnsafeMutableRawBufferPointer(rebasing: all[start..<end])
                var index = 0
                while let event = try decoder.parseStep(piece, index: &index) {
                    switch event {
                    case .data(let c): out.append(.data(c.kind, Array(c.bytes), start: c.isMessageStart, end: c.isMessageEnd))
                    case .ping(let p): out.append(.ping(p))
                    case .pong(let p): out.append(.pong(p))
                    case .close(let f): out.append(.close(f))
                    }
                }
                XCTAssertEqual(index, piece.count, "decoder must consume every byte")
                return out
            }
        }
        events += try result.get()
        start = end
    }
    return events
}

/// Joins data chunks into whole messages (control events pass through).
func messages(from events: [OwnedEvent]) -> [WebSocketMessage] {
    var out: [WebSocketMessage] = []
    var current: [UInt8] = []
    for event in events {
        switch event {
        case .data(let kind, let bytes, let start, let end):
            if start { current = [] }
            current += bytes
            if end { out.append(kind == .text ? .text(String(decoding: current, as: UTF8.self)) : .binary(current)) }
        case .ping(let p): out.append(.ping(p))
        case .pong(let p): out.append(.pong(p))
        case .close(let f): out.append(.close(f))
        }
    }
    return out
}

/// Asserts that decoding `bytes` (whole and byte by byte) fails with `expected`, whose
/// close code must be `code`.
func assertRejects(
    _ bytes: [UInt8],
    _ expected: WebSocketProtocolError,
    code: UInt16,
    configuration: WebSocketDecoderConfiguration = WebSocketDecoderConfiguration(),
    file: StaticString = #filePath,
    line: UInt = #line
) {
    for chunking in [[Int.max], [1]] {
        do {
            let events = try decodeEvents(bytes, configuration: configuration, chunkSizes: chunking)
            XCTFail("expected \(expected), decoded \(events)", file: file, line: line)
        } catch {
            XCTAssertEqual(error, expected, file: file, line: line)
            XCTAssertEqual(error.closeCode.code, code, file: file, line: line)
        }
    }
}

/// A fixed masking key for byte-exact vectors (RFC 6455 §5.7).
let rfcKey = WebSocketMaskingKey(0x37, 0xFA, 0x21, 0x3D)

let serverRole = WebSocketDecoderConfiguration(role: .server)
