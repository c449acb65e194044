import WebSocket
import XCTest

/// `WebSocketMessageReader` when a buffer ends in a protocol violation: every message
/// completed before it is handed over, then the error, and the reader stays failed.
final class MessageReaderTests: XCTestCase {
    private var server = WebSocketFrameEncoder(role: .server)
    /// A frame with RSV1 set: a violation wherever it appears.
    private let reservedBits: [UInt8] = [0xC1, 0x00]

    func testMessagesBeforeAViolationAreHandedOverThenTheError() throws {
        var reader = WebSocketMessageReader()
        let bytes = server.text("one") + server.ping([7]) + server.text("two") + reservedBits + server.text("after")
        XCTAssertEqual(try reader.read(bytes), [.text("one"), .ping([7]), .text("two")],
                       "the three complete messages before the violation")
        XCTAssertThrowsError(try reader.read([])) { error in
            XCTAssertEqual(error as? WebSocketProtocolError, .reservedBitsSet)
        }
        XCTAssertThrowsError(try reader.read(server.text("later")), "a failed reader stays failed") { error in
            XCTAssertEqual(error as? WebSocketProtocolError, .reservedBitsSet)
        }
    }

    func testAViolationWithNothingBeforeItIsThrownAtOnce() {
        var reader = WebSocketMessageReader()
        XCTAssertThrowsError(try reader.read(reservedBits + server.text("after"))) { error in
            XCTAssertEqual(error as? WebSocketProtocolError, .reservedBitsSet)
        }
    }

    func testAMessageCutByTheViolationIsNotHandedOver() throws {
        var reader = WebSocketMessageReader()
        let first = server.fragments(kind: .text, payload: Array("abcdef".utf8), maxFrameSize: 3)[0]
        XCTAssertEqual(try reader.read(server.text("whole") + first + server.binary([1])), [.text("whole")])
        XCTAssertThrowsError(try reader.read([])) { error in
            XCTAssertEqual(error as? WebSocketProtocolError, .dataFrameInsideFragmentedMessage)
        }
    }

    func testTheAppendingFormGivesTheMessagesAndTheErrorInOneCall() {
        var reader = WebSocketMessageReader()
        var messages: [WebSocketMessage] = [.pong([])]
        let bytes = server.text("one") + server.binary([1, 2]) + reservedBits
        XCTAssertThrowsError(try reader.read(bytes, into: &messages)) { error in
            XCTAssertEqual(error as? WebSocketProtocolError, .reservedBitsSet)
        }
        XCTAssertEqual(messages, [.pong([]), .text("one"), .binary([1, 2])], "appended before the throw")
    }

    func testAViolationSplitAcrossReadsKeepsTheMessagesOfEach() throws {
        var reader = WebSocketMessageReader()
        XCTAssertEqual(try reader.read(server.text("one") + [0xC1]), [.text("one")])
        XCTAssertThrowsError(try reader.read([0x00] + server.text("two"))) { error in
            XCTAssertEqual(error as? WebSocketProtocolError, .reservedBitsSet)
        }
    }
}
