import Foundation
import XCTest

/// A local reader that never reads must not keep lxattach alive after SIGTERM: the
/// write(2) blocked on the full pipe is interrupted by the session's heartbeat, and the
/// SIGTERM grace ends the session.
final class ExecStallTests: XCTestCase {
    func testSIGTERMEndsASessionWhoseStdoutIsStalled() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Built.lxattach())
        process.arguments = ["exec", Testbed.c1, "--", "yes"]
        var env = ProcessInfo.processInfo.environment
        env["LXD_CONF"] = Testbed.conf
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        let stalled = Pipe()  // never read: fills up, then write(2) blocks
        process.standardOutput = stalled
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        defer { if process.isRunning { process.interrupt(); kill(process.processIdentifier, SIGKILL) } }
        Thread.sleep(forTimeInterval: 1.5)
        XCTAssertTrue(process.isRunning, "lxattach should be blocked writing, not gone")
        let start = Date()
        kill(process.processIdentifier, SIGTERM)
        while process.isRunning, Date().timeIntervalSince(start) < 15 { usleep(20_000) }
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertFalse(process.isRunning, "still running \(elapsed) s after SIGTERM")
        XCTAssertLessThan(elapsed, 9)
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertLessThanOrEqual(text.split(separator: "\n").count, 1, text)
        XCTAssertNotEqual(process.terminationStatus, 0)
    }
}
