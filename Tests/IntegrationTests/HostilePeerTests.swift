import Foundation
import XCTest

/// Fault injection: lxattach against a peer that breaks the protocol or goes silent
/// (Tests/Fixtures/hostile_peer.py, on a unix socket selected with LXD_SOCKET). Every
/// case must end in bounded time with exactly one `Error:` line and status 255.
/// Feature tests run against the real daemon; this peer only plays faults.
final class HostilePeerTests: XCTestCase {
    private var server: Process?
    private var socketPath = ""

    private func startPeer(_ mode: String) throws {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/hostile_peer.py").path
        socketPath = NSTemporaryDirectory() + "lxattach-hostile-\(getpid())-\(mode).sock"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, socketPath, mode]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        server = process
        // Wait for "ready".
        let line = out.fileHandleForReading.availableData
        XCTAssertEqual(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), "ready")
    }

    override func tearDown() {
        server?.terminate()
        server?.waitUntilExit()
        try? FileManager.default.removeItem(atPath: socketPath)
    }

    /// Runs `lxattach exec c1 -- true` against the peer; asserts the failure shape.
    @discardableResult
    private func assertEnds(mode: String, within limit: Double, message: String,
                            environment: [String: String?] = [:], file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        try startPeer(mode)
        var env = environment
        env["LXD_SOCKET"] = socketPath
        env["LXD_CONF"] = NSTemporaryDirectory() + "lxattach-hostile-no-conf"
        let result = try lxattach(["exec", "c1", "--", "true"], environment: env, timeout: limit + 10,
                                  file: file, line: line)
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
        try startPeer("bigframe")
        let env: [String: String?] = ["LXD_SOCKET": socketPath, "LXD_CONF": NSTemporaryDirectory() + "lxattach-hostile-no-conf"]
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

    func testAnUnansweredRequestTimesOut() throws {
        try assertEnds(mode: "silentpost", within: 6, message: "timed out", environment: ["LXATTACH_TIMEOUT": "2"])
    }

    func testADaemonThatVanishesMidSessionIsReported() throws {
        try assertEnds(mode: "vanish", within: 8, message: "LXD")
    }
}
