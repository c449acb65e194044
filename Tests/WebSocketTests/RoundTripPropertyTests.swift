import XCTest
import WebSocket

/// Random messages, randomly fragmented with pings interleaved, encoded (masked and not)
/// and decoded under random chunkings, must come back exactly.
final class RoundTripPropertyTests: XCTestCase {
    private func randomText(_ count: Int, _ rng: inout SplitMix64) -> String {
        let pieces = ["a", "Z", " ", "{", "é", "€", "𝄞", "κ", "\u{0}", "\u{10FFFF}"]
        return (0..<count).map { _ in pieces.randomElement(using: &rng)! }.joined()
    }

    func testRandomMessagesRoundTrip() throws {
        var rng = SplitMix64(seed: 0xC0DEC)
        for round in 0..<120 {
            let masked = round % 2 == 0
            var encoder = WebSocketFrameEncoder(role: masked ? .client : .server)
            var expected: [WebSocketMessage] = []
            var wire: [UInt8] = []
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                let size = [0, 1, 125, 126, 200, 65535, 65536, 70000].randomElement(using: &rng)!
                let isText = Bool.random(using: &rng)
                let payload: [UInt8]
                if isText {
                    let text = randomText(size / 3, &rng)
                    payload = Array(text.utf8)
                    expected.append(.text(text))
                } else {
                    payload = (0..<size).map { _ in UInt8.random(in: 0...255, using: &rng) }
                    expected.append(.binary(payload))
                }
                // Random fragmentation with pings between fragments.
                var start = 0
                var first = true
                repeat {
                    let take = min(payload.count - start, Int.random(in: 0...max(1, payload.count / 2 + 1), using: &rng))
                    let end = start + take
                    let fin = end == payload.count && (take > 0 || Bool.random(using: &rng) || !first || payload.isEmpty)
                    let opcode: WebSocketOpcode = first ? (isText ? .text : .binary) : .continuation
                    wire += encoder.encode(opcode: opcode, fin: fin, payload: Array(payload[start..<end]))
                    first = false
                    start = end
                    if fin { break }
                    if Bool.random(using: &rng) {
                        let ping = (0..<Int.random(in: 0...125, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                        wire += encoder.ping(ping)
                        expected.append(.ping(ping))
                    }
                } while true
            }
            // Pings inside a message are reported before the message completes: reorder
            // expectations to decoding order by moving pings ahead of their message.
            let ordered = Self.decodingOrder(expected)
            let configuration = WebSocketDecoderConfiguration(role: masked ? .server : .client)
            let chunkSizes = (0..<5).map { _ in Int.random(in: 1...9000, using: &rng) }
            let events = try decodeEvents(wire, configuration: configuration, chunkSizes: chunkSizes)
            XCTAssertEqual(messages(from: events), ordered, "round \(round)")
            var reader = WebSocketMessageReader(configuration: configuration)
            XCTAssertEqual(try reader.read(wire), ordered, "reader, round \(round)")
        }
    }

    /// `expected` lists each data message followed by the pings sent inside it; the
    /// decoder reports those pings first.
    private static func decodingOrder(_ expected: [WebSocketMessage]) -> [WebSocketMessage] {
        var out: [WebSocketMessage] = []
        var pendingData: WebSocketMessage?
        var pings: [WebSocketMessage] = []
        for item in expected {
            if case .ping = item {
                pings.append(item)
            } else {
                if let data = pendingData { out += pings + [data]; pings = [] }
                pendingData = item
            }
        }
        if let data = pendingData { out += pings + [data] }
        return out
    }
}
