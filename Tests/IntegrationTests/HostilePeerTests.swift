import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Tests/Fixtures/hostile_peer.py, started on a unix socket (or on a TCP port it picks
/// itself: no free-port race) and always stopped by its PID.
final class HostilePeer {
    let process = Process()
    /// The unix socket path, or "" for tcp.
    let socketPath: String
    /// The TCP port, or 0 for a unix socket.
    private(set) var port = 0

    init(mode: String, tcp: Bool = false) throws {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/hostile_peer.py").path
        socketPath = tcp ? "" : NSTemporaryDirectory() + "lxattach-hostile-\(getpid())-\(mode).sock"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, tcp ? "tcp" : socketPath, mode]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        // "ready" or "ready PORT", read with a deadline: a peer that fails to start must
        // fail the test, not hang it.
        let fd = out.fileHandleForReading.fileDescriptor
        let text = readFirstLine(fd)
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard words.first == "ready" else {
            stop()
            throw HarnessError.notFound("hostile_peer.py \(mode) did not get ready: \(text.debugDescription)")
        }
        if tcp { port = Int(words.dropFirst().first ?? "") ?? 0 }
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(10_000) }
        if !socketPath.isEmpty { try? FileManager.default.removeItem(atPath: socketPath) }
    }

    deinit { stop() }
}

/// Fault injection: lxattach against a peer that breaks the protocol or goes silent
/// (Tests/Fixtures/hostile_peer.py, on a unix socket selected with LXD_SOCKET, or on
/// TCP behind an https remote). Every case must end in bounded time with exactly one
/// `Error:` line and status 255. Feature tests run against the real daemon; this peer
/// only plays faults.
final class HostilePeerTests: IntegrationTestCase {
    /// Runs `lxattach ARGS` against the peer; asserts the failure shape and returns it.
    @discardableResult
    private func assertEnds(mode: String, within limit: Double, message: String, tcp: Bool = false,
                            arguments: [String] = ["exec", "c1", "--", "true"],
                            environment: [String: String?] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        let peer = try HostilePeer(mode: mode, tcp: tcp)
        defer { peer.stop() }
        var env = environment
        if tcp {
            // An https remote `peer` at the peer's port, as the default remote.
            let conf = NSTemporaryDirectory() + "lxattach-hostile-conf-\(getpid())-\(peer.port)"
            try FileManager.default.createDirectory(atPath: conf, withIntermediateDirectories: true)
            try "default-remote: peer\nremotes:\n  peer:\n    addr: https://127.0.0.1:\(peer.port)\n    protocol: lxd\n"
                .write(toFile: conf + "/config.yml", atomically: true, encoding: .utf8)
            env["LXD_CONF"] = conf
        } else {
            env["LXD_SOCKET"] = peer.socketPath
            env["LXD_CONF"] = NSTemporaryDirectory() + "lxattach-hostile-no-conf"
        }
        let result = try lxattach(arguments, environment: env, timeout: limit + 10, file: file, line: line)
        XCTAssertEqual(result.status, 255, "\(result)", file: file, line: line)
        XCTAssertLessThan(result.seconds, limit, "took too long: \(result)", file: file, line: line)
        let lines = result.stderrText.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "exactly one line: \(result)", file: file, line: line)
        XCTAssertTrue(lines.first?.hasPrefix("Error: ") == true, "\(result)", file: file, line: line)
        XCTAssertTrue(result.stderrText.contains(message), "expected \(message): \(result)", file: file, line: line)
        XCTAssertFalse(result.stderrText.contains("abababab"), "a secret leaked: \(result)", file: file, line: line)
        return result
    }

    /// The peer's data pattern: byte i is i*31+7 (mod 256).
    private func pattern(_ count: Int) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }

    func testMaskedFrameFromTheServerIsAProtocolError() throws {
        try assertEnds(mode: "garbage", within: 5, message: "masked")
    }

    /// A legal frame is not refused for its size (RFC 6455 sets no limit and the decoder
    /// streams): LXD writes at most 128 KiB at a time, but another server may not.
    func testALegal4MiBDataFrameIsAccepted() throws {
        let peer = try HostilePeer(mode: "bigframe")
        defer { peer.stop() }
        let env: [String: String?] = ["LXD_SOCKET": peer.socketPath, "LXD_CONF": NSTemporaryDirectory() + "lxattach-hostile-no-conf"]
        let result = try lxattach(["exec", "c1", "--", "true"], environment: env, timeout: 20)
        XCTAssertEqual(result.status, 0, "\(result)")
        XCTAssertEqual(result.stderrText, "")
        XCTAssertEqual(result.stdout.count, 4 << 20)
        XCTAssertTrue(result.stdout.elementsEqual(pattern(4 << 20)), "the 4 MiB payload arrived changed")
    }

    /// A frame announcing 1 TiB costs no memory up front: its first 8 MiB are streamed to
    /// stdout byte-exact, and when the peer then goes silent it is given up on.
    func testAFrameAnnouncingOneTebibyteIsStreamedUntilThePeerGoesSilent() throws {
        let result = try assertEnds(mode: "huge", within: 9, message: "keepalive", environment: ["LXATTACH_KEEPALIVE": "2"])
        XCTAssertEqual(result.stdout.count, 8 << 20)
        XCTAssertTrue(result.stdout.elementsEqual(pattern(8 << 20)), "the streamed payload arrived changed")
    }

    func testInvalidUTF8InATextMessageIsRefused() throws {
        try assertEnds(mode: "badutf8", within: 5, message: "1007")
    }

    func testWrongAcceptKeyIsRefused() throws {
        try assertEnds(mode: "badaccept", within: 5, message: "Sec-WebSocket-Accept")
    }

    func testAPeerThatGoesSilentIsGivenUpOn() throws {
        // Probe after 2 s of silence, give up 1 s later.
        try assertEnds(mode: "silent", within: 8, message: "keepalive", environment: ["LXATTACH_KEEPALIVE": "2"])
    }

    /// The error says what was waited for: which request, and how long.
    func testAnUnansweredRequestSaysWhichRequestAndHowLong() throws {
        let r = try assertEnds(mode: "silentpost", within: 6, message: "Error: timed out after 2 s waiting for LXD at unix:",
                               environment: ["LXATTACH_TIMEOUT": "2"])
        XCTAssertTrue(r.stderrText.hasSuffix(".sock to answer POST /1.0/instances/c1/exec\n"), "\(r)")
    }

    func testADaemonThatVanishesMidSessionIsReported() throws {
        try assertEnds(mode: "vanish", within: 8, message: "LXD")
    }

    /// Docs/configuration.md: "default 10 s" to connect, for the REST connection too (it used to take
    /// the 30 s request budget). A TLS peer that never answers the ClientHello.
    func testConnectingGivesUpAfterTenSecondsByDefault() throws {
        let r = try assertEnds(mode: "mute", within: 14, message: "timed out after 10.0 s connecting to https://127.0.0.1:",
                               tcp: true, arguments: ["info"])
        XCTAssertTrue(r.stderrText.contains("TLS handshake"), "\(r)")
        // A fault bound from below too: it did wait the promised time, not less.
        XCTAssertGreaterThan(r.seconds, 9.5, "\(r)")
    }

    /// LXATTACH_TIMEOUT bounds connecting: a TCP listener whose queue is full never
    /// completes the connect(2).
    func testLXATTACH_TIMEOUTBoundsConnecting() throws {
        let r = try assertEnds(mode: "noaccept", within: 6, message: "timed out after 2.0 s connecting to https://127.0.0.1:",
                               tcp: true, environment: ["LXATTACH_TIMEOUT": "2"])
        XCTAssertTrue(r.stderrText.contains("connect to 127.0.0.1:"), "\(r)")
        XCTAssertGreaterThan(r.seconds, 1.5, "\(r)")
    }
}
