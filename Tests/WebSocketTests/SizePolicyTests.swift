import XCTest
import WebSocket

/// Size limits sit only where memory is at stake: the decoder streams data payloads,
/// so by default any legal frame and message length is accepted; the message reader
/// buffers whole messages, so it keeps a limit; control payloads stay at 125 bytes.
final class SizePolicyTests: XCTestCase {
    /// 4 MiB in one binary frame, 64-bit length, from a server (unmasked).
    private let fourMiB = 4 << 20
    private var fourMiBHeader: [UInt8] { [0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, 0x00, 0x00] }
    private func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }

    func testDefaultsSetNoLimitOnStreamedData() {
        let c = WebSocketDecoderConfiguration()
        XCTAssertNil(c.maxFrameSize)
        XCTAssertNil(c.maxMessageSize)
        XCTAssertEqual(c.maxBufferedMessageSize, 16 << 20)
    }

    func testA4MiBDataFrameIsStreamedByDefault() throws {
        let payload = pattern(fourMiB)
        let events = try decodeEvents(fourMiBHeader + payload, chunkSizes: [65536])
        XCTAssertGreaterThan(events.count, 1, "streamed in chunks, not buffered whole")
        XCTAssertEqual(messages(from: events), [.binary(payload)])
        guard case .data(.binary, _, start: true, _) = events.first,
              case .data(.binary, _, _, end: true) = events.last else {
            return XCTFail("first chunk starts, last chunk ends the message")
        }
    }

    func testA4MiBTextFrameIsValidatedAndStreamed() throws {
        let text = String(repeating: "κόσμε ", count: fourMiB / 11)
        let bytes = Array(text.utf8)
        var header: [UInt8] = [0x81, 0x7F]
        for shift in stride(from: 56, through: 0, by: -8) { header.append(UInt8(truncatingIfNeeded: bytes.count >> shift)) }
        XCTAssertEqual(messages(from: try decodeEvents(header + bytes, chunkSizes: [4093])), [.text(text)])
    }

    func testAFrameAnnouncingOneTebibyteCostsNothingUpFront() throws {
        var decoder = WebSocketDecoder()
        // 2^40 bytes announced, then the first 3 of them.
        let events = try decodeEvents([0x82, 0x7F, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 1, 2, 3], decoder: &decoder)
        XCTAssertEqual(events, [.data(.binary, [1, 2, 3], start: true, end: false)])
        XCTAssertTrue(decoder.isInsideMessage)
        XCTAssertFalse(decoder.isAtFrameBoundary)
    }

    func testTheLargestLegalLengthIsAcceptedAndOneMoreIsNot() throws {
        var decoder = WebSocketDecoder()
        let max: [UInt8] = [0x82, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 9]
        XCTAssertEqual(try decodeEvents(max, decoder: &decoder), [.data(.binary, [9], start: true, end: false)])
        assertRejects([0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0], .lengthOverflow, code: 1002)
    }

    func testLongFragmentedMessagesDoNotOverflowTheLengthCount() throws {
        var decoder = WebSocketDecoder()
        let first: [UInt8] = [0x02, 0x7F, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        _ = try decodeEvents(first, decoder: &decoder)
        XCTAssertTrue(decoder.isInsideMessage)
    }

    func testPolicyLimitsStillApplyWhenSet() {
        let limited = WebSocketDecoderConfiguration(maxFrameSize: 1 << 20)
        assertRejects(fourMiBHeader, .frameTooLarge(limit: 1 << 20), code: 1009, configuration: limited)
        let perMessage = WebSocketDecoderConfiguration(maxMessageSize: 3)
        assertRejects([0x02, 0x02, 1, 2, 0x80, 0x02, 3, 4], .messageTooLarge(limit: 3), code: 1009, configuration: perMessage)
    }

    func testControlPayloadsStayBoundedWhateverTheDataLimits() {
        assertRejects([0x89, 0x7E, 0x00, 0x7E] + [UInt8](repeating: 0, count: 126), .controlFrameTooLong(126), code: 1002)
    }

    func testTheReaderBuffersUpToItsLimitAndRefusesMore() throws {
        let limited = WebSocketDecoderConfiguration(maxBufferedMessageSize: 8)
        var reader = WebSocketMessageReader(configuration: limited)
        XCTAssertEqual(try reader.read([0x82, 0x08] + pattern(8)), [.binary(pattern(8))])
        var fresh = WebSocketMessageReader(configuration: limited)
        XCTAssertThrowsError(try fresh.read([0x01, 0x05] + Array("abcde".utf8) + [0x80, 0x04] + Array("fghi".utf8))) { error in
            XCTAssertEqual(error as? WebSocketProtocolError, .messageTooLarge(limit: 8))
            XCTAssertEqual((error as? WebSocketProtocolError)?.closeCode.code, 1009)
        }
    }

    func testTheReaderTakesA4MiBMessageWithItsDefaultLimit() throws {
        var reader = WebSocketMessageReader()
        let payload = pattern(fourMiB)
        XCTAssertEqual(try reader.read(fourMiBHeader + payload), [.binary(payload)])
    }
}
