import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// A local reader that never reads must not keep lxattach alive after SIGTERM: the
/// write(2) blocked on the full pipe is interrupted by the session's heartbeat, the
/// signal is forwarded (the remote command dies of it), and the SIGTERM grace ends the
/// session that the stalled output would otherwise hold open.
final class ExecStallTests: IntegrationTestCase {
    func testSIGTERMEndsASessionWhoseStdoutIsStalled() throws {
        let marker = "lxa-stall-\(getpid())"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Built.lxattach())
        // The remote `yes` records its PID (exec keeps it) so that cleanup ends exactly it.
        let pidFile = "/tmp/yes-\(marker).pid"
        process.arguments = ["exec", Testbed.c1, "--", "sh", "-c", "echo $$ > \(pidFile); exec yes \(marker)"]
        var env = ProcessInfo.processInfo.environment
        env["LXD_CONF"] = Testbed.conf
        for (k, v) in IsolatedHome.variables { env[k] = v }
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        let stalled = Pipe()  // never read: fills up, then write(2) blocks
        process.standardOutput = stalled
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            // A `yes` that outlived a failed test must not spin in the shared instance.
            _ = try? lxattach(["exec", Testbed.c1, "--", "sh", "-c", "kill $(cat \(pidFile)) 2>/dev/null; rm -f \(pidFile)"])
        }
        // Running, its output stalled: the remote `yes` is there and lxattach is not gone.
        let pattern = "[y]es \(marker)"
        func remoteYesCount() throws -> String {
            try lxattach(["exec", Testbed.c1, "--", "sh", "-c", "ps -o args | grep -c '\(pattern)' || true"]).stdoutText
        }
        try waitUntil("the remote `yes \(marker)` to run", timeout: 10, interval: 0.1) { try remoteYesCount() == "1\n" }
        usleep(500_000)
        XCTAssertTrue(process.isRunning, "lxattach should be blocked writing, not gone")

        kill(process.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(15)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        XCTAssertFalse(process.isRunning, "still running 15 s after SIGTERM")
        guard !process.isRunning else { return }
        // Not killed by SIGTERM's default action: it exited, with the status of the
        // command, which died of the forwarded SIGTERM (128 + 15).
        XCTAssertEqual(process.terminationReason, .exit, "lxattach died of the signal instead of handling it")
        XCTAssertEqual(process.terminationStatus, 143)
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let lines = text.split(separator: "\n")
        XCTAssertLessThanOrEqual(lines.count, 1, text)
        for line in lines {
            XCTAssertTrue(line.hasPrefix("Error: ") && line.contains("SIGTERM"), text)
        }
        // The remote `yes` is gone.
        try waitUntil("the remote `yes \(marker)` to end", timeout: 5, interval: 0.2) { try remoteYesCount() == "0\n" }
    }
}
