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

    /// Reads until the peer's bytes are consumed; collects data events.
    private func readAll() throws -> (data: [UInt8], texts: Int, closes: [UInt16?]) {
        var data: [UInt8] = []
        var texts = 0
        var closes: [UInt16?] = []
        var p = pollfd(fd: channel.fileDescriptor, events: Int16(POLLIN), revents: 0)
        while poll(&p, 1, 100) == 1 {
            let open = try channel.readEvents { event in
                switch event {
                case .data(let bytes, let text, let end):
                    if text { if end { texts += 1 } } else { data.append(contentsOf: bytes) }
                case .close(let code, _):
                    closes.append(code)
                }
            }
            if !open { break }
        }
        return (data, texts, closes)
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

    func testPingIsAnsweredWithAMaskedPongCarryingThePayload() throws {
        serverWrites([0x89, 0x09] + Array("keepalive".utf8))
        _ = try readAll()
        let reply = clientWrote()
        let decoded = try XCTUnwrap(decodeClientFrame(reply))
        XCTAssertEqual(decoded.0, 0xA)
        XCTAssertEqual(decoded.1, Array("keepalive".utf8))
    }

    func testServerCloseIsEchoedWithItsCode() throws {
        serverWrites([0x88, 0x02, 0x03, 0xE9])  // 1001 going away
        let result = try readAll()
        XCTAssertEqual(result.closes, [1001])
        let decoded = try XCTUnwrap(decodeClientFrame(clientWrote()))
        XCTAssertEqual(decoded.0, 0x8)
        XCTAssertEqual(decoded.1, [0x03, 0xE9])
    }

    private func assertRejected(_ bytes: [UInt8], code: UInt16, file: StaticString = #filePath, line: UInt = #line) {
        serverWrites(bytes)
        XCTAssertThrowsError(try readAll(), file: file, line: line) { error in
            guard case ChannelError.protocolViolation(let got, _) = error else {
                return XCTFail("unexpected \(error)", file: file, line: line)
            }
            XCTAssertEqual(got, code, file: file, line: line)
        }
        // The violation is answered with a close frame carrying the same code.
        let decoded = decodeClientFrame(clientWrote())
        XCTAssertEqual(decoded?.0, 0x8, file: file, line: line)
        XCTAssertEqual(decoded?.1.prefix(2).map { $0 }, [UInt8(code >> 8), UInt8(code & 0xFF)], file: file, line: line)
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
        let open = try channel.readEvents { _ in }
        XCTAssertFalse(open)
        XCTAssertTrue(channel.readEOF)
    }

    func testClientFramesAreMaskedWithFreshKeys() throws {
        channel.sendText("{\"command\":\"signal\",\"signal\":15}")
        let first = clientWrote()
        channel.sendText("{\"command\":\"signal\",\"signal\":15}")
        let second = clientWrote()
        let a = try XCTUnwrap(decodeClientFrame(first))
        let b = try XCTUnwrap(decodeClientFrame(second))
        XCTAssertEqual(a.0, 0x1)
        XCTAssertEqual(a.1, b.1)
        XCTAssertNotEqual(Array(first[2..<6]), Array(second[2..<6]), "each frame needs its own masking key")
    }

    func testStdinIsFramedWithoutCopiesAndEOFIsEmptyText() throws {
        var pipeFDs: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&pipeFDs), 0)
        defer { close(pipeFDs[0]) }
        XCTAssertEqual(write(pipeFDs[1], "hello", 5), 5)
        close(pipeFDs[1])
        XCTAssertEqual(channel.sendBinary(readingFrom: pipeFDs[0], maxCount: 1024), .sent(lastByte: UInt8(ascii: "o")))
        let frame = try XCTUnwrap(decodeClientFrame(clientWrote()))
        XCTAssertEqual(frame.0, 0x2)
        XCTAssertEqual(frame.1, Array("hello".utf8))
        XCTAssertEqual(channel.sendBinary(readingFrom: pipeFDs[0], maxCount: 1024), .eof)
        channel.sendBarrier()
        XCTAssertEqual(Array(clientWrote().prefix(2)), [0x81, 0x80], "an empty, masked text frame")
    }
}
