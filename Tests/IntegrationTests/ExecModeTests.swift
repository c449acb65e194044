// Terminal modes as README states them, compared with lxc in the same situation:
// `-T` and `--mode non-interactive` never allocate a PTY, `--mode interactive` does even
// with no terminal around, and `--mode auto` is interactive only when stdin and stdout
// are both terminals (run under script(1) for a real terminal on one side or both).
// Also LXATTACH_KEEPALIVE against the live daemon: the probe is answered, no give-up.
import Foundation
import XCTest

final class ExecModeTests: IntegrationTestCase {
    /// `tty` in the instance: "/dev/pts/N" when the session has a PTY, "not a tty" (exit 1)
    /// when not.
    private func isPTY(_ output: String) -> Bool {
        // Under script(1), lxc's output may start with an echoed "^@".
        output.contains("/dev/pts/") && !output.contains("not a tty")
    }

    func testForcedModesWithoutATerminal() throws {
        let cases: [([String], Bool)] = [
            (["-T"], false), (["--mode", "non-interactive"], false), (["--mode", "interactive"], true), (["-t"], true),
        ]
        for (flags, pty) in cases {
            let ours = try lxattach(["exec", Testbed.c1] + flags + ["--", "tty"])
            XCTAssertEqual(isPTY(ours.stdoutText), pty, "\(flags): \(ours)")
            XCTAssertEqual(ours.status, pty ? 0 : 1, "\(flags): \(ours)")
            // lxc agrees where it can: with a PTY and stdin at EOF it loses the output
            // (README: "lxc loses output"), so only the no-PTY modes are compared.
            if !pty {
                let theirs = try reference { try lxc(["exec", Testbed.c1] + flags + ["--", "tty"]) }
                XCTAssertEqual(theirs.stdoutText, ours.stdoutText, "lxc \(flags): \(theirs)")
                XCTAssertEqual(theirs.status, ours.status, "lxc \(flags): \(theirs)")
            }
        }
    }

    /// `--mode auto` (the default) under script(1): both sides a terminal → PTY; only
    /// stdin (stdout piped into cat) or only stdout (stdin piped from echo) → none.
    func testAutoModeNeedsBothSidesATerminal() throws {
        let l = try Built.lxattach()
        let cases: [(String, Bool)] = [
            ("'\(l)' exec \(Testbed.c1) -- tty", true),
            ("'\(l)' exec \(Testbed.c1) -- tty | cat", false),
            ("echo | '\(l)' exec \(Testbed.c1) -- tty", false),
        ]
        for (line, pty) in cases {
            for client in [line, line.replacingOccurrences(of: "'\(l)'", with: "lxc")] {
                let r = try runCommand("script", ["-qec", client, "/dev/null"], environment: ["LXD_CONF": Testbed.conf], timeout: 30)
                XCTAssertEqual(isPTY(r.stdoutText), pty, "\(client): \(r)")
            }
        }
    }

    /// LXATTACH_KEEPALIVE=1 and a command silent for 4 s: every socket is quiet, so
    /// lxattach probes the daemon after each second of silence; the live daemon answers,
    /// and the session is never given up on.
    func testKeepaliveProbesALiveDaemonWithoutGivingUp() throws {
        let r = try lxattach(["exec", Testbed.c1, "--", "sh", "-c", "sleep 4; echo done"],
                             environment: ["LXATTACH_KEEPALIVE": "1"], timeout: 30)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdoutText, "done\n", "\(r)")
        XCTAssertEqual(r.stderrText, "", "\(r)")
    }
}

/// `lxc` with an argument array.
@discardableResult
func lxc(_ arguments: [String], timeout: Double = 60, file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
    try runCommand("lxc", arguments, environment: ["LXD_CONF": Testbed.conf], timeout: timeout, file: file, line: line)
}
