import XCTest
import WebSocket

final class DecoderTests: XCTestCase {
    func testLargeFrameIsStreamedInChunks() throws {
        let payload = (0..<(128 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 13) }
        let frame = WebSocketFrameEncoder.encode(opcode: .binary, payload: payload, maskKey: nil)
        let events = try decodeEvents(frame, chunkSizes: [4096])
        // 32 reads of 4 KiB: the first carries the 10-byte header, so 33 chunks in all.
        XCTAssertEqual(events.count, 33)
        for (i, event) in events.enumerated() {
            guard case .data(let kind, let bytes, let start, let end) = event else { return XCTFail("not data") }
            XCTAssertEqual(kind, .binary)
            XCTAssertLessThanOrEqual(bytes.count, 4096)
            XCTAssertEqual(start, i == 0)
            XCTAssertEqual(end, i == events.count - 1)
        }
        XCTAssertEqual(messages(from: events), [.binary(payload)])
    }

    func testChunksPointIntoTheCallersBuffer() throws {
        var decoder = WebSocketDecoder(configuration: serverRole)
        var frame = WebSocketFrameEncoder.encode(opcode: .binary, payload: [1, 2, 3, 4, 5], maskKey: rfcKey)
        try frame.withUnsafeMutableBytes { buffer in
            var index = 0
            guard case .data(let chunk)? = try decoder.parseStep(buffer, index: &index) else { return XCTFail("no chunk") }
            XCTAssertEqual(chunk.bytes.baseAddress, UnsafeRawPointer(buffer.baseAddress! + 6), "zero-copy")
            XCTAssertEqual(Array(chunk.bytes), [1, 2, 3, 4, 5], "unmasked in place")
            XCTAssertNil(try decoder.parseStep(buffer, index: &index))
            XCTAssertEqual(index, buffer.count)
        }
    }

    func testControlFramesInterleavedInFragmentedMessage() throws {
        var encoder = WebSocketFrameEncoder(role: .server)
        let bytes = encoder.encode(opcode: .text, fin: false, payload: Array("ab".utf8))
            + encoder.ping([1])
            + encoder.encode(opcode: .continuation, fin: false, payload: Array("cd".utf8))
            + encoder.pong([2])
            + encoder.encode(opcode: .continuation, fin: true, payload: Array("ef".utf8))
            + encoder.close(code: .normalClosure)
        for chunk in [Int.max, 1, 2, 5] {
            let events = try decodeEvents(bytes, chunkSizes: [chunk])
            XCTAssertEqual(messages(from: events), [
                .ping([1]), .pong([2]), .text("abcdef"), .close(WebSocketCloseFrame(code: .normalClosure)),
            ])
        }
    }

    func testCodePointsSplitAcrossFragmentsAndReadsAreAccepted() throws {
        // "κ€𝄞" = CE BA | E2 82 AC | F0 9D 84 9E, fragmented inside every code point.
        let bytes: [UInt8] = [0x01, 0x01, 0xCE, 0x00, 0x02, 0xBA, 0xE2, 0x00, 0x03, 0x82, 0xAC, 0xF0, 0x80, 0x03, 0x9D, 0x84, 0x9E]
        for chunk in [Int.max, 1, 2, 4] {
            XCTAssertEqual(messages(from: try decodeEvents(bytes, chunkSizes: [chunk])), [.text("κ€𝄞")], "chunk \(chunk)")
        }
    }

    func testEmptyFramesProduceEmptyChunks() throws {
        let bytes: [UInt8] = [0x81, 0x00, 0x02, 0x00, 0x80, 0x00, 0x89, 0x00]
        XCTAssertEqual(try decodeEvents(bytes), [
            .data(.text, [], start: true, end: true),
            .data(.binary, [], start: true, end: false),
            .data(.binary, [], start: false, end: true),
            .ping([]),
        ])
    }

    func testBoundaryAndStateQueries() throws {
        var decoder = WebSocketDecoder()
        XCTAssertTrue(decoder.isAtFrameBoundary)
        _ = try decodeEvents([0x01, 0x01, 0x41, 0x80], decoder: &decoder)
        XCTAssertTrue(decoder.isInsideMessage)
        XCTAssertFalse(decoder.isAtFrameBoundary, "half a header is pending")
        _ = try decodeEvents([0x01, 0x42], decoder: &decoder)
        XCTAssertFalse(decoder.isInsideMessage)
        XCTAssertTrue(decoder.isAtFrameBoundary)
    }

    func testLenientLengthsWhenConfigured() throws {
        let bytes: [UInt8] = [0x82, 0x7E, 0x00, 0x03, 1, 2, 3]
        let lenient = WebSocketDecoderConfiguration(requireMinimalLengths: false)
        XCTAssertEqual(messages(from: try decodeEvents(bytes, configuration: lenient)), [.binary([1, 2, 3])])
    }

    func testAssemblerBuildsMessagesAndEnforcesItsLimit() throws {
        var reader = WebSocketMessageReader()
        let text = #"{"type":"operation","metadata":{"status":"Running"}}"#
        var encoder = WebSocketFrameEncoder(role: .server)
        let frames = encoder.fragments(kind: .text, payload: Array(text.utf8), maxFrameSize: 10)
        XCTAssertEqual(try reader.read(frames.flatMap { $0 } + encoder.ping([3])), [.text(text), .ping([3])])

        var assembler = WebSocketMessageAssembler(maxMessageSize: 4)
        var decoder = WebSocketDecoder()
        var bytes = WebSocketFrameEncoder.encode(opcode: .binary, payload: [1, 2, 3, 4, 5], maskKey: nil)
        bytes.withUnsafeMutableBytes { buffer in
            var index = 0
            do {
                while let event = try decoder.parseStep(buffer, index: &index) { _ = try assembler.push(event) }
                XCTFail("expected messageTooLarge")
            } catch {
                XCTAssertEqual(error as? WebSocketProtocolError, .messageTooLarge(limit: 4))
            }
        }
    }

    func testFailedDecoderStaysFailed() {
        var decoder = WebSocketDecoder()
        XCTAssertThrowsError(try decodeEvents([0xC1, 0x00], decoder: &decoder))
        XCTAssertThrowsError(try decodeEvents([0x81, 0x00], decoder: &decoder)) { error in
            XCTAssertEqual(error as? WebSocketProtocolError, .reservedBitsSet)
        }
    }
}
