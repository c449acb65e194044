import Foundation
import XCTest
@testable import HTTP
@testable import Transport

final class SocketStreamTests: XCTestCase {
    func testUnixKeepAliveRoundTrip() throws {
        let server = try UnixTestServer()
        let heads = Box<[String]>([])
        let done = server.serve { fd in
            heads.mutate { $0.append(readHead(fd)) }
            writeString(fd, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"type\":\"sync\"}")
            heads.mutate { $0.append(readHead(fd)) }
            // Chunked, split into several writes.
            writeString(fd, "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n")
            usleep(20_000)
            writeString(fd, "abcd\r\n0\r\n\r\n")
        }
        let stream = try UnixStream.connect(path: server.path, deadline: .after(seconds: 5))
        let traces = Box<[String]>([])
        let conn = HTTPConnection(stream: stream, host: "unix.socket", userAgent: "lxattach/test")
        conn.trace = { line in traces.mutate { $0.append(line) } }
        let r1 = try conn.send(.get("/1.0"), deadline: .after(seconds: 5))
        XCTAssertEqual(r1.status, 200)
        XCTAssertEqual(r1.bodyText, "{\"type\":\"sync\"}")
        XCTAssertTrue(conn.isReusable)
        let r2 = try conn.send(.get("/1.0/instances/nope"), deadline: .after(seconds: 5))
        XCTAssertEqual(r2.status, 404)
        XCTAssertEqual(r2.bodyText, "abcd")
        wait(for: [done], timeout: 5)
        XCTAssertEqual(heads.get(), [
            "GET /1.0 HTTP/1.1\r\nHost: unix.socket\r\nUser-Agent: lxattach/test\r\nConnection: keep-alive\r\n\r\n",
            "GET /1.0/instances/nope HTTP/1.1\r\nHost: unix.socket\r\nUser-Agent: lxattach/test\r\nConnection: keep-alive\r\n\r\n",
        ])
        let allTraces = traces.get().joined()
        XCTAssertTrue(allTraces.contains("> GET /1.0 HTTP/1.1"), allTraces)
        XCTAssertTrue(allTraces.contains("< HTTP/1.1 404 Not Found"), allTraces)
        conn.close()
    }

    func testWebSocketUpgradeExactRequestAndLeftover() throws {
        let server = try UnixTestServer()
        let head = Box("")
        let secret = String(repeating: "ab", count: 32)
        let frame: [UInt8] = [0x89, 0x09] + Array("keepalive".utf8)
        let done = server.serve { fd in
            head.set(readHead(fd))
            writeBytes(fd, Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n".utf8) + frame)
            usleep(50_000)
        }
        let stream = try UnixStream.connect(path: server.path, deadline: .after(seconds: 5))
        let traces = Box<[String]>([])
        let conn = HTTPConnection(stream: stream, host: "unix.socket", userAgent: "lxattach/test",
                                  trace: { line in traces.mutate { $0.append(line) } })
        let (ws, leftover) = try conn.upgradeToWebSocket(target: "/1.0/operations/u1/websocket?secret=\(secret)",
                                                         headers: HTTPHeaders(), key: "dGhlIHNhbXBsZSBub25jZQ==",
                                                         deadline: .after(seconds: 5))
        XCTAssertTrue(ws === stream)
        // The frame may arrive with the head or just after it.
        var got = leftover
        if got.count < frame.count {
            var buf = [UInt8](repeating: 0, count: 64)
            let n = try buf.withUnsafeMutableBytes { try ws.readSome(into: $0, deadline: .after(seconds: 5)) }
            got += buf[0..<n]
        }
        XCTAssertEqual(got, frame)
        XCTAssertFalse(conn.isReusable)
        wait(for: [done], timeout: 5)
        XCTAssertEqual(head.get(),
                       "GET /1.0/operations/u1/websocket?secret=\(secret) HTTP/1.1\r\nHost: unix.socket\r\nUser-Agent: lxattach/test\r\n"
                       + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nUpgrade: websocket\r\n\r\n")
        let allTraces = traces.get().joined()
        XCTAssertFalse(allTraces.contains(secret), allTraces)
        XCTAssertFalse(allTraces.contains("dGhlIHNhbXBsZSBub25jZQ=="), allTraces)
        XCTAssertFalse(allTraces.contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), allTraces)
        XCTAssertTrue(allTraces.contains("secret=<redacted>"), allTraces)
    }

    func testOverlappedUpgrades() throws {
        let server = try UnixTestServer()
        let answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
        let targets = Box<[String]>([])
        let done = (0..<2).map { _ in
            server.serve { fd in
                let head = readHead(fd)
                targets.mutate { $0.append(String(head.split(separator: " ")[1])) }
                writeString(fd, answer)
            }
        }
        let conns = try (0..<2).map { _ in
            HTTPConnection(stream: try UnixStream.connect(path: server.path, deadline: .after(seconds: 5)), host: "unix.socket")
        }
        let pending = try conns.enumerated().map { i, c in
            try c.startWebSocketUpgrade(target: "/ws/\(i)", headers: HTTPHeaders(), key: "dGhlIHNhbXBsZSBub25jZQ==", deadline: .after(seconds: 5))
        }
        for (c, p) in zip(conns, pending) {
            let (_, leftover) = try c.finishWebSocketUpgrade(p, deadline: .after(seconds: 5))
            XCTAssertEqual(leftover, [])
        }
        wait(for: done, timeout: 5)
        XCTAssertEqual(Set(targets.get()), ["/ws/0", "/ws/1"])
    }

    func testUpgradeRandomKeyAndBadAccept() throws {
        let server = try UnixTestServer()
        let done = server.serve { fd in
            _ = readHead(fd)
            writeString(fd, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n")
        }
        let conn = HTTPConnection(stream: try UnixStream.connect(path: server.path, deadline: .after(seconds: 5)), host: "unix.socket")
        XCTAssertThrowsError(try conn.upgradeToWebSocket(target: "/ws", deadline: .after(seconds: 5))) { error in
            XCTAssertEqual(error as? HTTPError, .invalidUpgrade("wrong Sec-WebSocket-Accept"))
        }
        wait(for: [done], timeout: 5)
    }

    func testUpgradeRefusedCarriesEnvelope() throws {
        let server = try UnixTestServer()
        let body = #"{"type":"error","status":"","status_code":0,"operation":"","error_code":500,"error":"permission denied","metadata":null}"#
        let done = server.serve { fd in
            _ = readHead(fd)
            writeString(fd, "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
        }
        let conn = HTTPConnection(stream: try UnixStream.connect(path: server.path, deadline: .after(seconds: 5)), host: "unix.socket")
        XCTAssertThrowsError(try conn.upgradeToWebSocket(target: "/ws?secret=x", deadline: .after(seconds: 5))) { error in
            guard case .upgradeRefused(let r)? = error as? HTTPError else { return XCTFail("\(error)") }
            XCTAssertEqual(r.status, 500)
            XCTAssertEqual(r.bodyText, body)
            XCTAssertTrue("\(error)".contains("permission denied"), "\(error)")
        }
        wait(for: [done], timeout: 5)
    }

    func testServerClosesEarly() throws {
        let server = try UnixTestServer()
        let done = server.serve { fd in
            _ = readHead(fd)
            writeString(fd, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial")
        }
        let conn = HTTPConnection(stream: try UnixStream.connect(path: server.path, deadline: .after(seconds: 5)), host: "unix.socket")
        XCTAssertThrowsError(try conn.send(.get("/"), deadline: .after(seconds: 5))) { error in
            XCTAssertEqual(error as? HTTPError, .connectionClosedEarly)
        }
        XCTAssertFalse(conn.isReusable)
        XCTAssertThrowsError(try conn.send(.get("/"), deadline: .after(seconds: 5))) { error in
            XCTAssertEqual(error as? HTTPError, .connectionNotReusable)
        }
        wait(for: [done], timeout: 5)
    }

    func testUnixConnectErrorMessage() {
        XCTAssertThrowsError(try UnixStream.connect(path: "/nonexistent-dir/unix.socket", deadline: .after(seconds: 1))) { error in
            XCTAssertEqual("\(error)", "cannot connect to /nonexistent-dir/unix.socket: No such file or directory")
        }
    }

    func testTCPConnectionRefused() {
        let (fd, port) = refusingTCPPort()
        defer { close(fd) }
        XCTAssertThrowsError(try TCPStream.connect(host: "127.0.0.1", port: port, deadline: .after(seconds: 2))) { error in
            XCTAssertEqual("\(error)", "cannot connect to 127.0.0.1:\(port): connection refused")
        }
    }

    func testTCPConnectByNameReachesTheListener() throws {
        let (fd, port) = refusingTCPPort()  // bound, not listening yet
        defer { close(fd) }
        XCTAssertEqual(listen(fd, 8), 0)
        let stream = try TCPStream.connect(host: "localhost", port: port, deadline: .after(seconds: 2))
        try assertConnected(stream, listener: fd)
    }

    /// `stream` reached `listener`: what the peer writes arrives, and TCP_NODELAY is set.
    private func assertConnected(_ stream: TCPStream, listener: Int32, file: StaticString = #filePath, line: UInt = #line) throws {
        let peer = accept(listener, nil, nil)
        XCTAssertGreaterThanOrEqual(peer, 0, file: file, line: line)
        defer { close(peer) }
        writeString(peer, "pong")
        var buf = [UInt8](repeating: 0, count: 16)
        let n = try buf.withUnsafeMutableBytes { try stream.readSome(into: $0, deadline: .after(seconds: 2)) }
        XCTAssertEqual(String(decoding: buf[0..<n], as: UTF8.self), "pong", file: file, line: line)
        var nodelay: Int32 = 0
        var optlen = socklen_t(4)
        getsockopt(stream.fileDescriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &nodelay, &optlen)
        XCTAssertEqual(nodelay, 1, file: file, line: line)
        stream.close()
    }

    func testTCPConnectRefusedLeavesNothingOpen() {
        let (fd, port) = refusingTCPPort()
        defer { close(fd) }
        let before = openDescriptorCount()
        XCTAssertThrowsError(try TCPStream.connect(host: "127.0.0.1", port: port, deadline: .after(seconds: 2))) { error in
            XCTAssertEqual("\(error)", "cannot connect to 127.0.0.1:\(port): connection refused")
        }
        XCTAssertEqual(openDescriptorCount(), before)
    }

    func testTCPResolveFailure() {
        XCTAssertThrowsError(try TCPStream.connect(host: "no-such-host.invalid", port: 1, deadline: .after(seconds: 5))) { error in
            guard case .resolveFailed(let host, _)? = error as? TransportError else { return XCTFail("\(error)") }
            XCTAssertEqual(host, "no-such-host.invalid")
        }
    }

    func testTCPIPv4AndIPv6Loopback() throws {
        for (family, host) in [(AF_INET, "127.0.0.1"), (AF_INET6, "[::1]")] {
            let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var storage = sockaddr_storage()
            var len: socklen_t
            if family == AF_INET {
                var a = sockaddr_in()
                a.sin_family = sa_family_t(AF_INET)
                a.sin_addr.s_addr = inet_addr("127.0.0.1")
                len = socklen_t(MemoryLayout<sockaddr_in>.size)
                withUnsafeBytes(of: &a) { src in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) } }
            } else {
                var a = sockaddr_in6()
                a.sin6_family = sa_family_t(AF_INET6)
                a.sin6_addr = in6addr_loopback
                len = socklen_t(MemoryLayout<sockaddr_in6>.size)
                withUnsafeBytes(of: &a) { src in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: src) } }
            }
            let bound = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Bool in
                    bind(fd, p, len) == 0 && listen(fd, 1) == 0 && getsockname(fd, p, &len) == 0
                }
            }
            if !bound && family == AF_INET6 { continue }  // no IPv6 loopback on this machine
            XCTAssertTrue(bound)
            let port = withUnsafeBytes(of: &storage) { raw in UInt16(bigEndian: raw.load(fromByteOffset: 2, as: UInt16.self)) }
            let stream = try TCPStream.connect(host: host, port: port, deadline: .after(seconds: 2))
            try assertConnected(stream, listener: fd)
        }
    }

    func testReadDeadlineAndNonBlockingPrimitives() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        let a = try SocketStream(adoptingDescriptor: fds[0])
        let b = try SocketStream(adoptingDescriptor: fds[1])
        var buf = [UInt8](repeating: 0, count: 8)
        XCTAssertEqual(try buf.withUnsafeMutableBytes { try a.read(into: $0) }, .wouldBlock(.read))
        // The read gives up at its deadline, not before (no clock window asserted).
        let deadline = Deadline.after(seconds: 0.2)
        XCTAssertThrowsError(try buf.withUnsafeMutableBytes { try a.readSome(into: $0, deadline: deadline) }) { error in
            XCTAssertEqual(error as? TransportError, .timedOut("read"))
            XCTAssertEqual("\(error)", "read: timed out")
        }
        XCTAssertTrue(deadline.hasExpired, "gave up before its deadline")
        try b.writeAll(Array("xy".utf8), deadline: .after(seconds: 1))
        XCTAssertEqual(try buf.withUnsafeMutableBytes { try a.read(into: $0) }, .bytes(2))
        b.shutdownWrite()
        XCTAssertEqual(try buf.withUnsafeMutableBytes { try a.read(into: $0) }, .eof)
        // Fill the socket buffer: write must report wouldBlock(.write), not block.
        let chunk = [UInt8](repeating: 1, count: 65536)
        var sawWouldBlock = false
        for _ in 0..<1000 {
            let r = try chunk.withUnsafeBytes { try a.write($0) }
            if r == .wouldBlock(.write) { sawWouldBlock = true; break }
        }
        XCTAssertTrue(sawWouldBlock)
        a.close()
        b.close()
        XCTAssertThrowsError(try buf.withUnsafeMutableBytes { try a.read(into: $0) }) { error in
            XCTAssertEqual(error as? TransportError, .closed)
        }
    }

    func testWriteToClosedPeerIsEPIPENotSignal() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        let a = try SocketStream(adoptingDescriptor: fds[0])
        close(fds[1])
        // SIGPIPE at its default action: if the write raised it, the test process would die.
        let old = signal(SIGPIPE, SIG_DFL)
        defer { signal(SIGPIPE, old) }
        XCTAssertThrowsError(try a.writeAll(Array("data".utf8), deadline: .after(seconds: 1))) { error in
            XCTAssertEqual((error as? TransportError)?.errno, EPIPE)
        }
    }

    func testDeadline() {
        XCTAssertEqual(Deadline.never.remainingMilliseconds, -1)
        XCTAssertFalse(Deadline.never.hasExpired)
        XCTAssertEqual(Deadline.after(seconds: -1).remainingMilliseconds, 0)
        XCTAssertTrue(Deadline.after(seconds: 0).hasExpired)
        let ms = Deadline.after(seconds: 2).remainingMilliseconds
        XCTAssertTrue((1900...2000).contains(ms), "\(ms)")
        XCTAssertEqual(Deadline.after(seconds: 1).earlier(.never).isNever, false)
    }
}
