import XCTest
import WebSocket

/// Byte-exact frames: RFC 6455 §5.7 examples and the three length encodings.
final class FrameVectorTests: XCTestCase {
    let hello = Array("Hello".utf8)

    func testUnmaskedHelloEncodes() {
        XCTAssertEqual(WebSocketFrameEncoder.encode(opcode: .text, payload: hello, maskKey: nil),
                       [0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
    }

    func testMaskedHelloEncodes() {
        XCTAssertEqual(WebSocketFrameEncoder.encode(opcode: .text, payload: hello, maskKey: rfcKey),
                       [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
    }

    func testUnmaskedHelloDecodesAsClient() throws {
        let events = try decodeEvents([0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
        XCTAssertEqual(events, [.data(.text, hello, start: true, end: true)])
    }

    func testMaskedHelloDecodesAsServer() throws {
        let frame: [UInt8] = [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]
        for chunk in [Int.max, 1, 3] {
            let events = try decodeEvents(frame, configuration: serverRole, chunkSizes: [chunk])
            XCTAssertEqual(messages(from: events), [.text("Hello")])
        }
    }

    func testFragmentedHello() throws {
        let first = WebSocketFrameEncoder.encode(opcode: .text, fin: false, payload: Array("Hel".utf8), maskKey: nil)
        let last = WebSocketFrameEncoder.encode(opcode: .continuation, fin: true, payload: Array("lo".utf8), maskKey: nil)
        XCTAssertEqual(first, [0x01, 0x03, 0x48, 0x65, 0x6C])
        XCTAssertEqual(last, [0x80, 0x02, 0x6C, 0x6F])
        let events = try decodeEvents(first + last)
        XCTAssertEqual(events, [
            .data(.text, Array("Hel".utf8), start: true, end: false),
            .data(.text, Array("lo".utf8), start: false, end: true),
        ])
    }

    func testPingAndPong() throws {
        let ping = WebSocketFrameEncoder.encode(opcode: .ping, payload: hello, maskKey: nil)
        XCTAssertEqual(ping, [0x89, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
        let pong = WebSocketFrameEncoder.encode(opcode: .pong, payload: hello, maskKey: rfcKey)
        XCTAssertEqual(pong, [0x8A, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58])
        XCTAssertEqual(try decodeEvents(ping), [.ping(hello)])
        XCTAssertEqual(try decodeEvents(pong, configuration: serverRole), [.pong(hello)])
    }

    func test256ByteBinaryHeader() {
        let payload = [UInt8](repeating: 0xAB, count: 256)
        let frame = WebSocketFrameEncoder.encode(opcode: .binary, payload: payload, maskKey: nil)
        XCTAssertEqual(Array(frame.prefix(4)), [0x82, 0x7E, 0x01, 0x00])
        XCTAssertEqual(frame.count, 4 + 256)
    }

    func test64KiBBinaryHeader() {
        let payload = [UInt8](repeating: 0, count: 65536)
        let frame = WebSocketFrameEncoder.encode(opcode: .binary, payload: payload, maskKey: nil)
        XCTAssertEqual(Array(frame.prefix(10)), [0x82, 0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00])
        XCTAssertEqual(frame.count, 10 + 65536)
    }

    func testLengthBoundaries() throws {
        let cases: [(Int, [UInt8])] = [
            (0, [0x82, 0x00]),
            (125, [0x82, 0x7D]),
            (126, [0x82, 0x7E, 0x00, 0x7E]),
            (65535, [0x82, 0x7E, 0xFF, 0xFF]),
            (65536, [0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00]),
        ]
        for (count, header) in cases {
            let payload = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7) }
            let frame = WebSocketFrameEncoder.encode(opcode: .binary, payload: payload, maskKey: nil)
            XCTAssertEqual(Array(frame.prefix(header.count)), header, "length \(count)")
            XCTAssertEqual(WebSocketFrameEncoder.headerLength(payloadCount: count, masked: false), header.count)
            XCTAssertEqual(WebSocketFrameEncoder.headerLength(payloadCount: count, masked: true), header.count + 4)
            for chunk in [Int.max, 1000, 7] {
                let events = try decodeEvents(frame, chunkSizes: [chunk])
                XCTAssertEqual(messages(from: events), [.binary(payload)], "length \(count) chunk \(chunk)")
            }
            let masked = WebSocketFrameEncoder.encode(opcode: .binary, payload: payload, maskKey: rfcKey)
            XCTAssertEqual(masked[1], header[1] | 0x80)
            let events = try decodeEvents(masked, configuration: serverRole, chunkSizes: [13])
            XCTAssertEqual(messages(from: events), [.binary(payload)], "masked length \(count)")
        }
    }

    func testHeaderStructRoundTripsFields() {
        let header = WebSocketFrameHeader(fin: false, rsv: 0b101, opcode: .binary, maskKey: rfcKey, payloadLength: 300)
        XCTAssertFalse(header.fin)
        XCTAssertEqual(header.rsv, 0b101)
        XCTAssertEqual(header.opcode, .binary)
        XCTAssertEqual(header.length, 8)
        XCTAssertEqual(header.bytes, [0x52, 0xFE, 0x01, 0x2C, 0x37, 0xFA, 0x21, 0x3D])
    }

    func testWriteHeaderReturnsLength() {
        var buffer = [UInt8](repeating: 0, count: 14)
        let n = buffer.withUnsafeMutableBytes {
            WebSocketFrameEncoder.writeHeader(into: $0, opcode: .binary, fin: true, payloadCount: 70000, maskKey: rfcKey)
        }
        XCTAssertEqual(n, 14)
        XCTAssertEqual(buffer, [0x82, 0xFF, 0, 0, 0, 0, 0, 0x01, 0x11, 0x70, 0x37, 0xFA, 0x21, 0x3D])
    }

    func testOpcodeAndCloseCodeValues() {
        XCTAssertEqual(WebSocketOpcode(rawValue: 0x9), .ping)
        XCTAssertTrue(WebSocketOpcode.close.isControl)
        XCTAssertFalse(WebSocketOpcode.binary.isControl)
        XCTAssertFalse(WebSocketOpcode(rawValue: 0x3).isDefined)
        XCTAssertEqual(WebSocketCloseCode(code: 1000), .normalClosure)
        XCTAssertEqual(WebSocketCloseCode(code: 4000), .unknown(4000))
        XCTAssertEqual(WebSocketCloseCode.messageTooBig.code, 1009)
        XCTAssertTrue(WebSocketCloseCode(code: 3000).isValidOnWire)
        XCTAssertFalse(WebSocketCloseCode(code: 1005).isValidOnWire)
    }
}
