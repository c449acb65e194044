import XCTest
import WebSocket

final class EncoderTests: XCTestCase {
    /// Unmasks a client frame produced with a random key and returns header + payload.
    private func decodeServerSide(_ frame: [UInt8]) throws -> [WebSocketMessage] {
        messages(from: try decodeEvents(frame, configuration: serverRole))
    }

    func testClientFramesAreMaskedWithFreshKeys() throws {
        var encoder = WebSocketFrameEncoder(role: .client)
        let a = encoder.binary([1, 2, 3, 4, 5, 6, 7, 8])
        let b = encoder.binary([1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(a[1] & 0x80, 0x80)
        XCTAssertNotEqual(Array(a[2..<6]), Array(b[2..<6]), "each frame needs its own key")
        XCTAssertEqual(try decodeServerSide(a), [.binary([1, 2, 3, 4, 5, 6, 7, 8])])
    }

    func testKeysAreNotRepeatedAcrossABatch() {
        var generator = WebSocketMaskingKeyGenerator()
        var seen = Set<UInt32>()
        for _ in 0..<1000 { seen.insert(generator.next().networkOrder) }
        XCTAssertGreaterThan(seen.count, 990)
    }

    func testServerFramesAreUnmasked() {
        var encoder = WebSocketFrameEncoder(role: .server)
        XCTAssertEqual(encoder.text("Hello"), [0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
        XCTAssertNil(encoder.nextMaskKey())
    }

    func testBuilders() throws {
        var encoder = WebSocketFrameEncoder()
        XCTAssertEqual(try decodeServerSide(encoder.text("héllo")), [.text("héllo")])
        XCTAssertEqual(try decodeServerSide(encoder.ping([9])), [.ping([9])])
        XCTAssertEqual(try decodeServerSide(encoder.pong([7, 7])), [.pong([7, 7])])
        XCTAssertEqual(try decodeServerSide(encoder.close(code: .normalClosure, reason: "bye")),
                       [.close(WebSocketCloseFrame(code: .normalClosure, reason: "bye"))])
        XCTAssertEqual(try decodeServerSide(encoder.close(code: nil)), [.close(WebSocketCloseFrame(code: nil))])
    }

    func testCloseFrameBytes() {
        var encoder = WebSocketFrameEncoder(role: .server)
        XCTAssertEqual(encoder.close(code: .goingAway, reason: "x"), [0x88, 0x03, 0x03, 0xE9, 0x78])
        XCTAssertEqual(encoder.close(code: nil), [0x88, 0x00])
    }

    func testLongCloseReasonIsCutAtCharacterBoundary() throws {
        let reason = String(repeating: "é", count: 100)  // 200 bytes
        let payload = WebSocketCloseFrame(code: .normalClosure, reason: reason).payload
        XCTAssertLessThanOrEqual(payload.count, 125)
        XCTAssertEqual(payload.count, 2 + 122)
        XCTAssertTrue(UTF8Validator.isValid(payload[2...]))
    }

    func testFragmentsSplitPayload() throws {
        var encoder = WebSocketFrameEncoder(role: .server)
        let payload = (0..<10).map { UInt8($0) }
        let frames = encoder.fragments(kind: .binary, payload: payload, maxFrameSize: 4)
        XCTAssertEqual(frames, [
            [0x02, 0x04, 0, 1, 2, 3],
            [0x00, 0x04, 4, 5, 6, 7],
            [0x80, 0x02, 8, 9],
        ])
        XCTAssertEqual(messages(from: try decodeEvents(frames.flatMap { $0 })), [.binary(payload)])
        XCTAssertEqual(encoder.fragments(kind: .text, payload: [], maxFrameSize: 4), [[0x81, 0x00]])
    }

    func testMaskedFragmentsRoundTrip() throws {
        var encoder = WebSocketFrameEncoder(role: .client)
        let text = String(repeating: "κόσμε-", count: 50)
        let frames = encoder.fragments(kind: .text, payload: Array(text.utf8), maxFrameSize: 7)
        XCTAssertEqual(frames.count, (Array(text.utf8).count + 6) / 7)
        XCTAssertEqual(try decodeServerSide(frames.flatMap { $0 }), [.text(text)])
    }

    func testEncodeInPlaceUsesHeadroom() throws {
        var encoder = WebSocketFrameEncoder(role: .client)
        let payload = (0..<300).map { UInt8(truncatingIfNeeded: $0) }
        var buffer = [UInt8](repeating: 0xEE, count: WebSocketFrameEncoder.maxHeaderLength) + payload
        let range = buffer.withUnsafeMutableBytes {
            encoder.encodeInPlace($0, payloadOffset: WebSocketFrameEncoder.maxHeaderLength, payloadCount: payload.count, opcode: .binary)
        }
        XCTAssertEqual(range, 6..<(14 + 300))  // 4-byte header + 4-byte key before the payload
        let frame = Array(buffer[range])
        XCTAssertEqual(Array(frame.prefix(4)), [0x82, 0xFE, 0x01, 0x2C])
        XCTAssertEqual(try decodeServerSide(frame), [.binary(payload)])
    }

    func testMaskMatchesBytewiseReferenceForAllOffsets() {
        let key = WebSocketMaskingKey(networkOrder: 0xA1B2_C3D4)
        for count in [0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 71, 72, 100, 127, 128, 129, 1000] {
            for offset in 0..<8 {
                let original = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 5) }
                var fast = original
                fast.withUnsafeMutableBytes { WebSocketMasking.mask($0, key: key, startingAt: offset) }
                let slow = original.enumerated().map { $0.element ^ key[($0.offset + offset) % 4] }
                XCTAssertEqual(fast, slow, "count \(count) offset \(offset)")
                // Unaligned start within a larger buffer.
                var big = [UInt8](repeating: 0, count: 3) + original
                big.withUnsafeMutableBytes {
                    WebSocketMasking.mask(UnsafeMutableRawBufferPointer(rebasing: $0[3...]), key: key, startingAt: offset)
                }
                XCTAssertEqual(Array(big[3...]), slow)
            }
        }
    }

    func testMaskingKeyBytes() {
        XCTAssertEqual(rfcKey.networkOrder, 0x37FA_213D)
        XCTAssertEqual([rfcKey[0], rfcKey[1], rfcKey[2], rfcKey[3]], [0x37, 0xFA, 0x21, 0x3D])
    }
}
