import Glibc
import Transport
import WebSocket
import XCTest

@testable import LXD

/// The websocket channel against a hostile or odd peer: the test plays the server on the
/// other end of a socketpair and writes raw frames. No daemon involved.
final class WebSocketChannelTests: XCTestCase {
    private var peer: Int32 = -1
    private var channel: WebSocketChannel!

    override func setUpWithError() throws {
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        peer = fds[1]
        channel = WebSocketChannel(stream: try SocketStream(adoptingDescriptor: fds[0]))
    }

    override func tearDown() {
        channel = nil
        if peer >= 0 { close(peer) }
    }

    private func serverWrites(_ bytes: [UInt8]) {
        XCTAssertEqual(bytes.withUnsafeBytes { write(peer, $0.baseAddress, $0.count) }, bytes.count)
    }

    /// Everything the channel wrote, after a flush.
    private func clientWrote() -> [UInt8] {
        channel.flush()
        var buffer = [UInt8](repeating: 0, count: 4096)
        var p = pollfd(fd: peer, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 1000) == 1 else { return [] }
        let n = buffer.withUnsafeMutableBytes { read(peer, $0.baseAddress, $0.count) }
        return n > 0 ? Array(buffer[0..<n]) : []
    }

    /// Reads until the peer's bytes are consumed; collects the decoded events.
    private func readAll() throws(WebSocketProtocolError) -> (data: [UInt8], texts: Int, closes: [UInt16?], pings: [[UInt8]]) {
        var data: [UInt8] = []
        var texts = 0
        var closes: [UInt16?] = []
        var pings: [[UInt8]] = []
        var p = pollfd(fd: channel.fileDescriptor, events: Int16(POLLIN), revents: 0)
        while poll(&p, 1, 100) == 1 {
            let outcome = try channel.read { event in
                switch event {
                case .data(let chunk):
                    if chunk.kind == .text { if chunk.isMessageEnd { texts += 1 } } else { data.append(contentsOf: chunk.bytes) }
                case .close(let frame): closes.append(frame.code?.code)
                case .ping(let payload): pings.append(payload)
                case .pong: break
                }
                return true
            }
            if outcome.ended { break }
        }
        return (data, texts, closes, pings)
    }

    /// Unmasks one client frame; returns (opcode, payload).
    private func decodeClientFrame(_ bytes: [UInt8]) -> (UInt8, [UInt8])? {
        guard bytes.count >= 6, bytes[1] & 0x80 != 0 else { return nil }
        let length = Int(bytes[1] & 0x7F)
        guard length < 126, bytes.count >= 6 + length else { return nil }
        let key = Array(bytes[2..<6])
        let payload = (0..<length).map { bytes[6 + $0] ^ key[$0 & 3] }
        return (bytes[0] & 0x0F, payload)
    }

    func testDataSplitAnywhereIsDeliveredInOrder() throws {
        let payload = (0..<300).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let frame: [UInt8] = [0x82, 126, 0x01, 0x2C] + payload
        serverWrites(Array(frame[0..<3]))
        var got = try readAll().data
        serverWrites(Array(frame[3..<150]))
        got += try readAll().data
        serverWrites(Array(frame[150...]) + [0x81, 0x00])
        let rest = try readAll()
        XCTAssertEqual(got + rest.data, payload)
        XCTAssertEqual(rest.texts, 1, "the empty text message is LXD's end-of-stream barrier")
    }

    func testPingAndCloseAreSurfacedNotAnswered() throws {
        // What to answer is the exec machine's decision; the channel only frames.
        serverWrites([0x89, 0x09] + Array("keepalive".utf8) + [0x88, 0x02, 0x03, 0xE9, 0x82, 0x01, 0x55])
        let result = try readAll()
        XCTAssertEqual(result.pings, [Array("keepalive".utf8)])
        XCTAssertEqual(result.closes, [1001])
        XCTAssertEqual(result.data, [], "nothing after a close frame is decoded")
        XCTAssertTrue(channel.decodingStopped)
        XCTAssertFalse(channel.hasPendingOutput, "the channel answered nothing by itself")
    }

    func testControlFramesGoOutMasked() throws {
        channel.send(.pong, Array("keepalive".utf8))
        let decoded = try XCTUnwrap(decodeClientFrame(clientWrote()))
        XCTAssertEqual(decoded.0, 0xA)
        XCTAssertEqual(decoded.1, Array("keepalive".utf8))
        channel.send(.close, [0x03, 0xE8])
        let close = try XCTUnwrap(decodeClientFrame(clientWrote()))
        XCTAssertEqual(close.0, 0x8)
        XCTAssertEqual(close.1, [0x03, 0xE8])
    }

    private func assertRejected(_ bytes: [UInt8], code: UInt16, file: StaticString = #filePath, line: UInt = #line) {
        serverWrites(bytes)
        do {
            _ = try readAll()
            XCTFail("accepted", file: file, line: line)
        } catch {
            XCTAssertEqual(error.closeCode.code, code, file: file, line: line)
        }
        XCTAssertTrue(channel.decodingStopped, "nothing is decoded after a violation", file: file, line: line)
    }

    func testMaskedFrameFromServerIsA1002() {
        assertRejected([0x82, 0x81, 1, 2, 3, 4, 0x55], code: 1002)
    }

    func testReservedBitsAreA1002() {
        assertRejected([0xC2, 0x01, 0x00], code: 1002)
    }

    func testUnknownOpcodeIsA1002() {
        assertRejected([0x83, 0x00], code: 1002)
    }

    func testInvalidUTF8InATextMessageIsA1007() {
        assertRejected([0x81, 0x02, 0xC3, 0x28], code: 1007)
    }

    func testAHugeDataFrameIsStreamedNotRefused() throws {
        // 64-bit length of 2 GiB: legal, and the codec streams it (no size limit on data).
        serverWrites([0x82, 127, 0, 0, 0, 0, 0x80, 0, 0, 0] + [1, 2, 3])
        XCTAssertEqual(try readAll().data, [1, 2, 3])
    }

    func testAnOversizeControlFrameIsA1002() {
        assertRejected([0x89, 126, 0, 126] + [UInt8](repeating: 0, count: 126), code: 1002)
    }

    func testEOFEndsTheChannel() throws {
        close(peer)
        peer = -1
        let outcome = try channel.read { _ in true }
        XCTAssertTrue(outcome.ended)
        XCTAssertFalse(outcome.receivedBytes)
        XCTAssertTrue(channel.readEOF)
    }

    func testAHandlerThatStopsLeavesTheRestBuffered() throws {
        serverWrites([0x82, 0x01, 0x41, 0x82, 0x01, 0x42])
        var p = pollfd(fd: channel.fileDescriptor, events: Int16(POLLIN), revents: 0)
        XCTAssertEqual(poll(&p, 1, 1000), 1)
        var seen: [UInt8] = []
        _ = try channel.read { event in
            if case .data(let chunk) = event { seen += chunk.bytes }
            return false
        }
        XCTAssertEqual(seen, [0x41])
        XCTAssertTrue(channel.hasBufferedInput, "the loop must come back without waiting for poll")
        try channel.decodeBuffered { event in
            if case .data(let chunk) = event { seen += chunk.bytes }
            return true
        }
        XCTAssertEqual(seen, [0x41, 0x42])
        XCTAssertFalse(channel.hasBufferedInput)
    }

    func testClientFramesAreMaskedWithFreshKeys() throws {
        channel.send(.text, Array("{\"command\":\"signal\",\"signal\":15}".utf8))
        let first = clientWrote()
        channel.send(.text, Array("{\"command\":\"signal\",\"signal\":15}".utf8))
        let second = clientWrote()
        let a = try XCTUnwrap(decodeClientFrame(first))
        let b = try XCTUnwrap(decodeClientFrame(second))
        XCTAssertEqual(a.0, 0x1)
        XCTAssertEqual(a.1, b.1)
        XCTAssertNotEqual(Array(first[2..<6]), Array(second[2..<6]), "each frame needs its own masking key")
    }

    func testInputIsFramedInPlaceAndEOFIsEmptyText() throws {
        var pipeFDs: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&pipeFDs), 0)
        defer { close(pipeFDs[0]) }
        XCTAssertEqual(write(pipeFDs[1], "hello", 5), 5)
        close(pipeFDs[1])
        XCTAssertTrue(channel.isReadyForInput)
        XCTAssertEqual(channel.prepareInput(readingFrom: pipeFDs[0], maxCount: 1024), .bytes(5))
        XCTAssertEqual(channel.preparedLastByte, UInt8(ascii: "o"))
        XCTAssertFalse(channel.isReadyForInput, "one prepared frame at a time")
        channel.sendPreparedInput()
        let frame = try XCTUnwrap(decodeClientFrame(clientWrote()))
        XCTAssertEqual(frame.0, 0x2)
        XCTAssertEqual(frame.1, Array("hello".utf8))
        XCTAssertEqual(channel.prepareInput(readingFrom: pipeFDs[0], maxCount: 1024), .eof)
        channel.send(.text, [])
        XCTAssertEqual(Array(clientWrote().prefix(2)), [0x81, 0x80], "an empty, masked text frame")
    }

    func testAFrameTheSocketCannotTakeWaitsInPlaceAndKeepsItsOrder() throws {
        // 4 MiB of input against a socket buffer of a few hundred KiB: the rest of the
        // frame stays in the frame buffer; a control frame queued meanwhile follows it.
        let payload = [UInt8](repeating: 0x5A, count: 4 << 20)
        payload.withUnsafeBytes { channel.prepareInput($0) }
        channel.sendPreparedInput()
        XCTAssertTrue(channel.hasPendingOutput)
        channel.send(.ping, [1, 2, 3])
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while channel.hasPendingOutput || received.count < payload.count + 14 + 9 {
            channel.flush()
            var p = pollfd(fd: peer, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 1000) == 1 else { break }
            let n = buffer.withUnsafeMutableBytes { read(peer, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            received += buffer[0..<n]
        }
        XCTAssertEqual(received.count, 14 + payload.count + 2 + 4 + 3)
        XCTAssertEqual(received[0], 0x82)
        XCTAssertEqual(received[1], 0x80 | 127, "a 64-bit length")
        let pingAt = 14 + payload.count
        XCTAssertEqual(received[pingAt], 0x89, "the ping comes after the whole data frame")
    }
}
