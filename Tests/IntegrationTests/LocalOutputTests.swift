import Foundation
import XCTest

/// Where our own output goes wrong: a full disk is an error with its cause, not a
/// reader that went away (EPIPE, which dies silently like any pipeline member).
final class LocalOutputTests: IntegrationTestCase {
    /// Runs `lxattach exec … > target` through sh, so stdout is a real file or device.
    private func execRedirected(_ script: String, stdoutTo target: String, stderrTo errTarget: String? = nil) throws -> CommandResult {
        let bin = try Built.lxattach()
        let redirect = "> \(target)" + (errTarget.map { " 2> \($0)" } ?? "")
        return try runCommand("/bin/sh", ["-c", "exec \"$0\" exec \(Testbed.c1) -- sh -c \"$1\" \(redirect)", bin, script],
                              environment: ["LXD_CONF": Testbed.conf], timeout: 30)
    }

    private func remoteProcesses(matching marker: String) throws -> [String] {
        let ps = try lxc("exec", Testbed.c1, "--", "ps", "-o", "args")
        return ps.stdoutText.split(separator: "\n").map(String.init).filter { $0.contains(marker) && !$0.contains("ps -o") }
    }

    func testAFullDiskIsOneErrorNamingItAndTheCommandIsEnded() throws {
        // The top process writes forever: only ending the session can stop it.
        let marker = "enospc-\(getpid())"
        let result = try execRedirected("m=\(marker); while :; do echo $m; done", stdoutTo: "/dev/full")
        XCTAssertFalse(result.timedOut, "\(result)")
        XCTAssertEqual(result.status, 255, "\(result)")
        XCTAssertNotEqual(result.shellStatus, 141, "a full disk is not a closed pipe: \(result)")
        XCTAssertEqual(result.stderrText, "Error: writing to stdout failed: No space left on device; the command was ended\n")
        try waitUntil("the remote command to end", timeout: 10) { try self.remoteProcesses(matching: marker).isEmpty }
    }

    func testAFullDiskOnStderrIsReportedToo() throws {
        // Our error line has nowhere to go but the full stderr: the status still says it.
        let result = try execRedirected("while :; do echo x >&2; done", stdoutTo: "/dev/null", stderrTo: "/dev/full")
        XCTAssertFalse(result.timedOut, "\(result)")
        XCTAssertEqual(result.status, 255, "\(result)")
    }

    func testAClosedReaderStillDiesOfSIGPIPESilently() throws {
        let bin = try Built.lxattach()
        let result = try runCommand("/bin/bash", ["-c", "\"$0\" exec \(Testbed.c1) -- yes | head -c 3 >/dev/null; echo ${PIPESTATUS[0]}", bin],
                                    environment: ["LXD_CONF": Testbed.conf], timeout: 30)
        XCTAssertFalse(result.timedOut, "\(result)")
        XCTAssertEqual(result.stdoutText, "141\n", "killed by SIGPIPE, like any pipeline member")
        XCTAssertEqual(result.stderrText, "", "no message for a closed pipe")
    }
}
