import XCTest
@testable import HTTP

final class HTTPResponseParserTests: XCTestCase {
    /// Feeds `wire` in the given piece sizes (cycled) and returns the outcome.
    private func parse(_ wire: [UInt8], method: String = "GET", pieces: [Int] = [Int.max],
                       limits: HTTPResponseParser.Limits = .init(), eof: Bool = false) throws -> (HTTPResponse, [UInt8]) {
        var parser = HTTPResponseParser(requestMethod: method, limits: limits)
        var offset = 0
        var k = 0
        while offset < wire.count {
            let size = max(1, min(pieces[k % pieces.count], wire.count - offset))
            k += 1
            let progress = try parser.parse(Array(wire[offset..<(offset + size)]))
            offset += size
            if case .complete(let r, let leftover) = progress {
                return (r, leftover + Array(wire[offset...]))
            }
        }
        if eof { return (try parser.finish(), []) }
        XCTFail("response incomplete")
        throw HTTPError.connectionClosedEarly
    }

    private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    func testContentLength() throws {
        let (r, left) = try parse(bytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhelloEXTRA"))
        XCTAssertEqual(r.status, 200)
        XCTAssertEqual(r.reason, "OK")
        XCTAssertEqual(r.version, "HTTP/1.1")
        XCTAssertEqual(r.bodyText, "hello")
        XCTAssertEqual(r.headers["content-type"], "application/json")
        XCTAssertEqual(r.headers["CONTENT-LENGTH"], "5")
        XCTAssertTrue(r.keepAlive)
        XCTAssertEqual(left, bytes("EXTRA"))
    }

    func testWhitespaceAroundValuesIsTrimmedBeforeACombiningMark() throws {
        // " \u{0614}" is one Character; the space is still optional whitespace (found by fuzzing).
        let (r, _) = try parse(bytes("HTTP/1.1 200 OK\r\nX: \u{0614}a \t\r\nContent-Length: 0\r\n\r\n"))
        XCTAssertEqual(r.headers["X"].map { Array($0.unicodeScalars) }, Array("\u{0614}a".unicodeScalars))
    }

    func testChunkedWithExtensionsAndTrailers() throws {
        let wire = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n0123456789\r\n0\r\nX-Trailer: yes\r\n\r\nNEXT")
        let (r, left) = try parse(wire)
        XCTAssertEqual(r.bodyText, "hello0123456789")
        XCTAssertEqual(r.trailers["x-trailer"], "yes")
        XCTAssertEqual(left, bytes("NEXT"))
        XCTAssertTrue(r.keepAlive)
    }

    func testCloseDelimitedBody() throws {
        let (r, _) = try parse(bytes("HTTP/1.0 200 ok\r\nContent-type: text/html\r\n\r\n<html>body</html>"), eof: true)
        XCTAssertEqual(r.bodyText, "<html>body</html>")
        XCTAssertFalse(r.keepAlive)
    }

    func testNoBodyCases() throws {
        let (head, leftHead) = try parse(bytes("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n"), method: "HEAD")
        XCTAssertEqual(head.body, [])
        XCTAssertEqual(leftHead, [])
        let (r204, _) = try parse(bytes("HTTP/1.1 204 No Content\r\n\r\n"))
        XCTAssertEqual(r204.status, 204)
        let (r304, left304) = try parse(bytes("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\nX"))
        XCTAssertEqual(r304.body, [])
        XCTAssertEqual(left304, bytes("X"))
    }

    func testSwitchingProtocolsLeavesFrameBytes() throws {
        let frame: [UInt8] = [0x89, 0x09] + bytes("keepalive")
        let wire = bytes("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: abc\r\n\r\n") + frame
        for size in [1, 2, 3, 7, 50, 1000] {
            let (r, left) = try parse(wire, pieces: [size])
            XCTAssertEqual(r.status, 101)
            XCTAssertEqual(left, frame, "piece size \(size)")
        }
    }

    func testInterim100IsSkipped() throws {
        let (r, _) = try parse(bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\n{}"))
        XCTAssertEqual(r.status, 202)
        XCTAssertEqual(r.bodyText, "{}")
    }

    func testConnectionClose() throws {
        let (r, _) = try parse(bytes("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"))
        XCTAssertFalse(r.keepAlive)
        let (r10, _) = try parse(bytes("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n"))
        XCTAssertTrue(r10.keepAlive)
    }

    func testBareLFLinesAccepted() throws {
        let (r, _) = try parse(bytes("HTTP/1.1 200 OK\nContent-Length: 2\n\nok"))
        XCTAssertEqual(r.bodyText, "ok")
    }

    func testRandomChunkingGivesSameResult() throws {
        let body = (0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        var chunked = bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\nX-A: 1\r\n\r\n")
        var i = 0
        var rng = SystemRandomNumberGenerator()
        while i < body.count {
            let n = min(Int.random(in: 1...700, using: &rng), body.count - i)
            chunked += bytes(String(n, radix: 16) + "\r\n") + body[i..<(i + n)] + bytes("\r\n")
            i += n
        }
        chunked += bytes("0\r\n\r\n")
        let fixed = bytes("HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\n\r\n") + body
        for wire in [chunked, fixed] {
            let (whole, _) = try parse(wire)
            XCTAssertEqual(whole.body, body)
            for _ in 0..<50 {
                let pieces = (0..<8).map { _ in Int.random(in: 1...64, using: &rng) }
                let (r, left) = try parse(wire, pieces: pieces)
                XCTAssertEqual(r.body, body)
                XCTAssertEqual(r.status, 200)
                XCTAssertEqual(left, [])
            }
        }
    }

    func testErrors() {
        func fails(_ s: String, limits: HTTPResponseParser.Limits = .init(), _ check: (HTTPError) -> Bool) {
            var p = HTTPResponseParser(limits: limits)
            do {
                _ = try p.parse(Array(s.utf8))
                _ = try p.finish()
                XCTFail("accepted: \(s.debugDescription)")
            } catch {
                XCTAssertTrue(check(error), "\(s.debugDescription): \(error)")
            }
        }
        let malformed: (HTTPError) -> Bool = { if case .malformedResponse = $0 { return true } else { return false } }
        fails("SPDY/3 200 OK\r\n\r\n", malformed)
        fails("HTTP/1.1 2x0 OK\r\n\r\n", malformed)
        // Status codes run from 100 (RFC 9110 §15): a leading 0 has no class (found by fuzzing).
        fails("HTTP/1.1 020 OK\r\nContent-Length: 0\r\n\r\n", malformed)
        fails("HTTP/1.1 000\r\n\r\n", malformed)
        fails("HTTP/1.1 200 OK\r\nBad Header: x\r\n\r\n", malformed)
        fails("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", malformed)
        fails("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", malformed)
        fails("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", malformed)
        fails("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n", malformed)
        fails("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort") { $0 == .connectionClosedEarly }
        fails("HTTP/1.1 200 OK\r\nX: " + String(repeating: "a", count: 200) + "\r\n\r\n",
              limits: .init(maxHeaderBytes: 100)) { $0 == .headerTooLarge(limit: 100) }
        fails("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n",
              limits: .init(maxBodyBytes: 10)) { $0 == .bodyTooLarge(limit: 10) }
    }
}
