import Foundation
import XCTest

/// `lxattach console` in tmux against the real daemon: the instance's console shell
/// (busybox init's askfirst on the console of Testbed.console), its hostname, window
/// size, detach with Ctrl+a q (status 0, `stty -g` as before), over unix and TLS.
final class ConsoleTests: IntegrationTestCase {
    private func attach(_ target: String) throws -> (TmuxSession, WrappedRun) {
        let tmux = try TmuxSession()
        let run = try WrappedRun(tmux, ["console", target])
        // Attached and raw once the hint is out (on stderr, a file here).
        waitUntil("the console attached: \(run.stderr)", timeout: 10) {
            run.stderr.contains("To detach from the console, press: <ctrl>+a q")
        }
        // The askfirst prompt may have been printed before we attached: Enter starts (or
        // re-prompts) the shell either way.
        try tmux.pressEnterUntilConsolePrompt()
        return (tmux, run)
    }

    func testTheConsoleShellIsTheInstancesAndDetachRestoresTheTerminal() throws {
        for target in [Testbed.console, "\(Testbed.remote):\(Testbed.console)"] {
            let (tmux, run) = try attach(target)
            defer { tmux.close() }
            try tmux.type("echo host=$(hostname)")
            tmux.waitForLine("host=\(Testbed.console)")
            try tmux.keys("C-a", "q")
            XCTAssertEqual(run.waitForExit(), 0, "\(target): \(tmux.capture())")
            XCTAssertEqual(run.errorLines, [], target)
            run.assertTerminalRestored()
            // The shell goes on in the instance: the next attach finds it.
            let again = try runCommand("lxc", ["exec", Testbed.console, "--", "sh", "-c", "ps -o args | grep -c '^-/bin/sh'"],
                                       environment: ["LXD_CONF": Testbed.conf], timeout: 20)
            XCTAssertEqual(again.stdoutText, "1\n", "the console shell survives a detach: \(again)")
        }
    }

    func testCtrlAFollowedByAnotherKeyReachesTheConsole() throws {
        let (tmux, run) = try attach(Testbed.console)
        defer { tmux.close() }
        // Ctrl+a then x: both bytes reach the console, as `cat -v` shows them.
        try tmux.type("cat -v")
        usleep(300_000)
        try tmux.keys("C-a", "x", "Enter")
        tmux.waitForLine("^Ax", timeout: 10)
        try tmux.keys("C-d")
        tmux.waitForPrefix("/ #", count: 2, timeout: 10)
        try tmux.keys("C-a", "q")
        XCTAssertEqual(run.waitForExit(), 0, tmux.capture())
        run.assertTerminalRestored()
    }

    /// `--show-log` prints what the daemon kept of the console: here what a session
    /// just showed. (lxc 5.0.2's `console --show-log` answers "open : no such file or
    /// directory" for these containers, so it cannot serve as the reference.)
    func testShowLogPrintsWhatTheConsoleShowed() throws {
        let marker = "log-marker-\(getpid())"
        let (tmux, run) = try attach(Testbed.console)
        defer { tmux.close() }
        try tmux.type("echo \(marker)")
        tmux.waitForLine(marker)
        try tmux.keys("C-a", "q")
        XCTAssertEqual(run.waitForExit(), 0, tmux.capture())
        let log = try lxattach(["console", "--show-log", Testbed.console])
        XCTAssertEqual(log.status, 0, "\(log)")
        XCTAssertTrue(log.stdoutText.contains(marker), "\(log)")
        XCTAssertEqual(log.stderrText, "")
    }

    func testAnUnknownInstanceIsOneErrorLine() throws {
        let r = try lxattach(["console", "no-such-instance"])
        XCTAssertEqual(r.status, 255, "\(r)")
        XCTAssertEqual(r.stderrText, "Error: Instance not found\n")
    }
}
