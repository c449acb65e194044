import XCTest
import WebSocket

/// One test per RFC 6455 MUST that a receiving client enforces, with its close code.
final class RejectionTests: XCTestCase {
    func testRSVBitsWithoutExtension() {
        assertRejects([0xC1, 0x00], .reservedBitsSet, code: 1002)  // RSV1
        assertRejects([0xA1, 0x00], .reservedBitsSet, code: 1002)  // RSV2
        assertRejects([0x91, 0x00], .reservedBitsSet, code: 1002)  // RSV3
    }

    func testUnknownOpcodes() {
        for op: UInt8 in [0x3, 0x4, 0x5, 0x6, 0x7, 0xB, 0xC, 0xD, 0xE, 0xF] {
            assertRejects([0x80 | op, 0x00], .unknownOpcode(op), code: 1002)
        }
    }

    func testMaskedFrameFromServer() {
        assertRejects([0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58], .maskedFrameFromServer, code: 1002)
    }

    func testUnmaskedFrameFromClientInServerRole() {
        assertRejects([0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F], .unmaskedFrameFromClient, code: 1002, configuration: serverRole)
    }

    func testControlFrameOver125Bytes() {
        assertRejects([0x89, 0x7E, 0x00, 0x7E] + [UInt8](repeating: 0, count: 126), .controlFrameTooLong(126), code: 1002)
    }

    func testFragmentedControlFrame() {
        assertRejects([0x09, 0x00], .fragmentedControlFrame, code: 1002)
    }

    func testContinuationWithoutStart() {
        assertRejects([0x80, 0x01, 0x41], .continuationWithoutStart, code: 1002)
    }

    func testNewDataFrameInsideFragmentedMessage() {
        assertRejects([0x01, 0x01, 0x41, 0x81, 0x01, 0x42], .dataFrameInsideFragmentedMessage, code: 1002)
        assertRejects([0x02, 0x01, 0x41, 0x82, 0x01, 0x42], .dataFrameInsideFragmentedMessage, code: 1002)
    }

    func testNonMinimalLengths() {
        assertRejects([0x82, 0x7E, 0x00, 0x7D] + [UInt8](repeating: 0, count: 125), .nonMinimalLength, code: 1002)
        assertRejects([0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF], .nonMinimalLength, code: 1002)
    }

    func testLengthWithTopBitSet() {
        assertRejects([0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0], .lengthOverflow, code: 1002)
    }

    func testInvalidUTF8InTextMessage() {
        assertRejects([0x81, 0x02, 0xC0, 0x80], .invalidUTF8, code: 1007)  // overlong
        assertRejects([0x81, 0x03, 0xED, 0xA0, 0x80], .invalidUTF8, code: 1007)  // surrogate
        assertRejects([0x81, 0x04, 0xF4, 0x90, 0x80, 0x80], .invalidUTF8, code: 1007)  // > U+10FFFF
        assertRejects([0x81, 0x01, 0xFF], .invalidUTF8, code: 1007)
    }

    func testUTF8TruncatedAtMessageEnd() {
        assertRejects([0x81, 0x02, 0xE2, 0x82], .invalidUTF8, code: 1007)
    }

    func testInvalidUTF8SplitAcrossFragments() {
        // "€" is E2 82 AC; the last fragment supplies a wrong continuation byte.
        assertRejects([0x01, 0x01, 0xE2, 0x00, 0x01, 0x82, 0x80, 0x01, 0x41], .invalidUTF8, code: 1007)
    }

    func testInvalidUTF8InCloseReason() {
        assertRejects([0x88, 0x04, 0x03, 0xE8, 0xC3, 0x28], .invalidUTF8InCloseReason, code: 1007)
    }

    func testInvalidCloseCodes() {
        for code: UInt16 in [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535] {
            assertRejects([0x88, 0x02, UInt8(code >> 8), UInt8(code & 0xFF)], .invalidCloseCode(code), code: 1002)
        }
    }

    func testValidCloseCodesAccepted() throws {
        for code: UInt16 in [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999] {
            let events = try decodeEvents([0x88, 0x02, UInt8(code >> 8), UInt8(code & 0xFF)])
            XCTAssertEqual(events, [.close(WebSocketCloseFrame(code: WebSocketCloseCode(code: code)))])
        }
    }

    func testClosePayloadOfLengthOne() {
        assertRejects([0x88, 0x01, 0x03], .closePayloadOfLengthOne, code: 1002)
    }

    func testFrameTooLarge() {
        let small = WebSocketDecoderConfiguration(maxFrameSize: 125, maxMessageSize: 1000)
        assertRejects([0x82, 0x7E, 0x00, 0x7E], .frameTooLarge(limit: 125), code: 1009, configuration: small)
    }

    func testMessageTooLargeAcrossFragments() {
        let small = WebSocketDecoderConfiguration(maxFrameSize: 100, maxMessageSize: 150)
        let frag: [UInt8] = [0x02, 0x50] + [UInt8](repeating: 1, count: 80)
        let cont: [UInt8] = [0x80, 0x50] + [UInt8](repeating: 1, count: 80)
        assertRejects(frag + cont, .messageTooLarge(limit: 150), code: 1009, configuration: small)
    }

    func testErrorDescriptionsAreOneLine() {
        let errors: [WebSocketProtocolError] = [.reservedBitsSet, .unknownOpcode(3), .invalidCloseCode(1005), .messageTooLarge(limit: 9)]
        for error in errors {
            XCTAssertFalse(error.description.isEmpty)
            XCTAssertFalse(error.description.contains("\n"))
        }
    }
}
