import Foundation
import XCTest
@testable import HTTP
import Transport
#if canImport(Glibc)
import Glibc
#endif

/// The streaming pieces: the body decoder (pure, byte-exact, any split), the head-only
/// parse, the streamed request head, and both directions over a real unix socket.
final class HTTPStreamingTests: XCTestCase {
    private func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// Decodes `wire` fed in pieces of `size`; returns the body and the bytes not used.
    private func decode(_ framing: HTTPBodyFraming, _ wire: [UInt8], size: Int, eof: Bool = false) throws -> ([UInt8], [UInt8], Bool) {
        var decoder = HTTPBodyDecoder(framing)
        var body: [UInt8] = []
        var offset = 0
        while offset < wire.count {
            let piece = Array(wire[offset..<min(wire.count, offset + size)])
            let used = try piece.withUnsafeBytes { try decoder.decode($0) { body.append(contentsOf: $0) } }
            offset += used
            if used < piece.count { return (body, Array(wire[offset...]), decoder.isComplete) }
        }
        if eof { try decoder.finish() }
        return (body, [], decoder.isComplete)
    }

    func testFixedLengthAtEverySplitLeavesTheNextResponse() throws {
        let wire = bytes("hello worldHTTP/1.1 200")
        for size in 1...wire.count {
            let (body, rest, done) = try decode(.length(11), wire, size: size)
            XCTAssertEqual(body, bytes("hello world"), "size \(size)")
            XCTAssertEqual(rest, bytes("HTTP/1.1 200"), "size \(size)")
            XCTAssertTrue(done)
        }
    }

    func testChunkedWithExtensionsAndTrailersAtEverySplit() throws {
        let wire = bytes("5;ext=1\r\nhello\r\n6\r\n world\r\nA \r\n0123456789\r\n0\r\nX-Trailer: 1\r\n\r\nNEXT")
        for size in 1...wire.count {
            let (body, rest, done) = try decode(.chunked, wire, size: size)
            XCTAssertEqual(String(decoding: body, as: UTF8.self), "hello world0123456789", "size \(size)")
            XCTAssertEqual(rest, bytes("NEXT"), "size \(size)")
            XCTAssertTrue(done)
        }
    }

    func testUntilCloseEndsAtEOFOnly() throws {
        let (body, _, done) = try decode(.untilClose, bytes("abc"), size: 2, eof: true)
        XCTAssertEqual(body, bytes("abc"))
        XCTAssertTrue(done)
    }

    func testCutShortAndMalformedBodiesThrow() {
        XCTAssertThrowsError(try decode(.length(10), bytes("abc"), size: 3, eof: true))
        XCTAssertThrowsError(try decode(.chunked, bytes("5\r\nhel"), size: 3, eof: true))
        XCTAssertThrowsError(try decode(.chunked, bytes("zz\r\n"), size: 4))
        XCTAssertThrowsError(try decode(.chunked, bytes("3\r\nabcX\r\n"), size: 9))
        XCTAssertThrowsError(try decode(.chunked, bytes("\r\n"), size: 2))
        XCTAssertThrowsError(try decode(.chunked, bytes(String(repeating: "f", count: 16) + "\r\n"), size: 64))
    }

    func testHeadOnlyParseGivesTheFramingAndKeepsEveryBodyByte() throws {
        var parser = HTTPResponseParser(requestMethod: "GET", limits: .init(maxBodyBytes: 10), stopsAfterHead: true)
        // Larger than maxBodyBytes: no limit applies when the body is streamed.
        let wire = bytes("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1000000000\r\nX-LXD-type: file\r\n\r\nBODY")
        guard case .complete(let head, let leftover) = try parser.parse(wire) else { return XCTFail("incomplete") }
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.body, [])
        XCTAssertEqual(leftover, bytes("BODY"))
        XCTAssertEqual(parser.framing, .length(1_000_000_000))

        var chunked = HTTPResponseParser(requestMethod: "GET", stopsAfterHead: true)
        _ = try chunked.parse(bytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"))
        XCTAssertEqual(chunked.framing, .chunked)
    }

    func testStreamedRequestHeadSaysHowTheBodyComes() {
        let request = HTTPRequest(method: "POST", target: "/f?path=%2Fx", headers: ["X-LXD-type": "file"], body: bytes("ignored"))
        XCTAssertEqual(String(decoding: HTTPRequestWriter.serialize(request, host: "unix.socket", userAgent: "t", streamedBody: .chunked), as: UTF8.self),
                       "POST /f?path=%2Fx HTTP/1.1\r\nHost: unix.socket\r\nUser-Agent: t\r\nX-LXD-type: file\r\nTransfer-Encoding: chunked\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertEqual(String(decoding: HTTPRequestWriter.serialize(request, host: "h", userAgent: "t", streamedBody: .length(42)), as: UTF8.self),
                       "POST /f?path=%2Fx HTTP/1.1\r\nHost: h\r\nUser-Agent: t\r\nX-LXD-type: file\r\nContent-Length: 42\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertEqual(HTTPChunkedEncoder.header(count: 500), bytes("1f4\r\n"))
    }

    /// A chunked upload of 3 MB read from a source in odd sizes arrives byte-exact, and the
    /// connection serves a streamed download next.
    func testUploadThenStreamedDownloadOverAUnixSocket() throws {
        let server = try UnixTestServer()
        let payload = (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let received = Box<[UInt8]>([])
        let done = server.serve { fd in
            // Upload: head, then chunks until "0\r\n\r\n".
            _ = readHead(fd)
            var decoder = HTTPBodyDecoder(.chunked)
            var body: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while !decoder.isComplete {
                let n = read(fd, &buffer, buffer.count)
                if n <= 0 { break }
                _ = try? buffer[0..<n].withUnsafeBytes { try decoder.decode($0) { body.append(contentsOf: $0) } }
            }
            received.set(body)
            writeString(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
            // Download: chunked, in one write with what follows it.
            _ = readHead(fd)
            writeString(fd, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n")
        }
        let stream = try UnixStream.connect(path: server.path, deadline: .after(seconds: 5))
        let connection = HTTPConnection(stream: stream, host: "unix.socket")
        var offset = 0
        var sizes = [1, 4095, 131_072, 77, 100_000].makeIterator()
        let answer = try connection.send(HTTPRequest(method: "POST", target: "/up"), streamingBodyOf: nil, stepSeconds: 5) { buffer in
            let want = sizes.next() ?? 65_536
            let n = min(want, buffer.count, payload.count - offset)
            payload[offset..<(offset + n)].withUnsafeBytes { buffer.copyMemory(from: $0) }
            offset += n
            return n
        }
        XCTAssertEqual(answer.status, 200)
        XCTAssertTrue(connection.isReusable)
        let head = try connection.sendReadingHead(.get("/down"), deadline: .after(seconds: 5))
        XCTAssertEqual(head.status, 200)
        var body: [UInt8] = []
        while try connection.readBody(stepSeconds: 5, sink: { body.append(contentsOf: $0) }) {}
        XCTAssertEqual(body, bytes("abcdefg"))
        XCTAssertTrue(connection.isReusable)
        wait(for: [done], timeout: 10)
        XCTAssertEqual(received.get().count, payload.count)
        XCTAssertTrue(received.get() == payload)
        connection.close()
    }

    /// A Content-Length upload whose source gives fewer bytes than announced fails
    /// instead of leaving the daemon waiting.
    func testShortFixedLengthUploadThrows() throws {
        let server = try UnixTestServer()
        let done = server.serve { fd in _ = readHead(fd); var b = [UInt8](repeating: 0, count: 16); _ = read(fd, &b, 16) }
        let connection = HTTPConnection(stream: try UnixStream.connect(path: server.path, deadline: .after(seconds: 5)), host: "u")
        var given = false
        XCTAssertThrowsError(try connection.send(HTTPRequest(method: "POST", target: "/up"), streamingBodyOf: 10, stepSeconds: 5) { buffer in
            if given { return 0 }
            given = true
            buffer[0] = 1
            return 1
        })
        XCTAssertFalse(connection.isReusable)
        connection.close()
        wait(for: [done], timeout: 10)
    }

    /// A server that answers after the head and closes without reading the body: its
    /// answer comes back, not the broken pipe of the upload.
    func testAnEarlyAnswerWinsOverTheBrokenPipe() throws {
        let server = try UnixTestServer()
        let done = server.serve { fd in
            _ = readHead(fd)
            writeString(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot found")
            shutdown(fd, Int32(SHUT_WR))
            usleep(200_000)
        }
        let connection = HTTPConnection(stream: try UnixStream.connect(path: server.path, deadline: .after(seconds: 5)), host: "u")
        var left = 64 << 20
        let answer = try connection.send(HTTPRequest(method: "POST", target: "/up"), streamingBodyOf: left, stepSeconds: 5) { buffer in
            let n = min(left, buffer.count)
            left -= n
            return n
        }
        XCTAssertEqual(answer.status, 404)
        XCTAssertEqual(answer.bodyText, "not found")
        XCTAssertFalse(connection.isReusable)
        XCTAssertGreaterThan(left, 0, "the upload stopped early")
        connection.close()
        wait(for: [done], timeout: 10)
    }
}
