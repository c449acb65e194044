// `lxattach exec` / `shell` for people: interactive sessions in a real terminal
// (tmux), against the real daemon. Each run is typed into the pane through a
// wrapper that saves `stty -g` before and after, lxattach's pid, its stderr and its
// exit status, so the tests can check that the terminal always comes back.
// These fail (never skip) when tmux, the build or the daemon is missing.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

private func monotonic() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

final class InteractiveTests: IntegrationTestCase {
    private let prompt = ShellChecks.prompt

    private func promptCount(_ tmux: TmuxSession) -> Int {
        tmux.lines().filter { $0.hasPrefix(prompt) }.count
    }

    /// `stty -g` of the pane's terminal, read from outside while a session runs.
    private func liveSettings(_ tmux: TmuxSession) throws -> String {
        let r = try runCommand("stty", ["-g", "-F", try tmux.paneTTY()], timeout: 10)
        XCTAssertEqual(r.status, 0, "\(r)")
        return r.stdoutText
    }

    // MARK: the session itself

    func testPromptAndCommandOutputAppear() throws {
        let tmux = try TmuxSession()
        defer { tmux.close() }
        let run = try WrappedRun(tmux, ["exec", Testbed.c1, "--", "sh"])
        tmux.waitForPrefix(prompt)
        try tmux.type("echo out-$((6*7))")
        tmux.waitForLine("out-42")
        try tmux.keys("C-d")
        XCTAssertEqual(run.waitForExit(), 0, tmux.capture())
        XCTAssertEqual(run.stderr, "")
        run.assertTerminalRestored()
    }

    func testWindowSizeIsSentAndFollowsResizes() throws {
        let tmux = try TmuxSession(width: 100, height: 30)
        defer { tmux.close() }
        let run = try WrappedRun(tmux, ["exec", Testbed.c1, "--", "sh"])
        tmux.waitForPrefix(prompt)
        try tmux.type("stty size")
        tmux.waitForLine("30 100")

        let seen = try tmux.resizeAndAskRemoteSize(width: 120, height: 40)
        XCTAssertEqual(seen.last, "S40x120", "the remote PTY never got the new size: \(seen)")
        XCTAssertLessThanOrEqual(seen.count, 2, "the resize took more than one extra round: \(seen)")

        try tmux.keys("C-d")
        XCTAssertEqual(run.waitForExit(), 0, tmux.capture())
        run.assertTerminalRestored()
    }

    func testCtrlCInterruptsTheRemoteCommandAndTheShellSurvives() throws {
        let tmux = try TmuxSession()
        defer { tmux.close() }
        let run = try WrappedRun(tmux, ["exec", Testbed.c1, "--", "sh"])
        try ShellChecks.ctrlCInterruptsAndTheShellSurvives(tmux, run) {  // the sleep seen through the real lxc
            try lxc("exec", Testbed.c1, "--", "ps", "-o", "ppid,comm")
        }
    }

    func testCtrlDEndsTheShellAndTheTerminalComesBack() throws {
        let tmux = try TmuxSession()
        defer { tmux.close() }
        let run = try WrappedRun(tmux, ["exec", Testbed.c1, "--", "sh"])
        tmux.waitForPrefix(prompt)
        // Raw mode while the session runs (so "restored" below means something).
        let during = try liveSettings(tmux)
        XCTAssertNotEqual(during, tmux.read("before"), "the local terminal is not in raw mode during the session")
        try tmux.keys("C-d")
        XCTAssertEqual(run.waitForExit(), 0, tmux.capture())
        XCTAssertEqual(run.stderr, "")
        run.assertTerminalRestored()
        // And the pane's shell reads lines normally again.
        try tmux.type("echo back-$((1+1))")
        tmux.waitForLine("back-2")
    }

    func testExitStatusOfTheRemoteShell() throws {
        let tmux = try TmuxSession()
        defer { tmux.close() }
        let run = try WrappedRun(tmux, ["exec", Testbed.c1, "--", "sh"])
        tmux.waitForPrefix(prompt)
        try tmux.type("exit 3")
        XCTAssertEqual(run.waitForExit(), 3, tmux.capture())
        tmux.waitForLineEnding("EXIT=3")
        XCTAssertEqual(run.stderr, "")
        run.assertTerminalRestored()
    }

    // MARK: ending from outside: the terminal must always come back

    /// Sends `sig` to lxattach; returns its exit status and how long it took to end.
    private func end(_ run: WrappedRun, with sig: Int32, timeout: Double = 10) throws -> (status: Int32?, seconds: Double) {
        let pid = try run.pid()
        let start = monotonic()
        XCTAssertEqual(kill(pid, sig), 0)
        let status = run.waitForExit(timeout: timeout)
        return (status, monotonic() - start)
    }

    func testSIGTERMEndsTheSessionAndRestoresTheTerminal() throws {
        let tmux = try TmuxSession()
        defer { tmux.close() }
        let run = try WrappedRun(tmux, ["exec", Testbed.c1, "--", "sh"])
        tmux.waitForPrefix(prompt)
        // The interactive shell ignores SIGTERM: lxattach ends it itself after its 3 s grace.
        let (status, elapsed) = try end(run, with: SIGTERM)
        XCTAssertLessThan(elapsed, 6, "lxattach took \(elapsed) s to end after SIGTERM")
        XCTAssertEqual(status, 137, tmux.capture())
        XCTAssertEqual(run.errorLines.count, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("SIGTERM"), run.stderr)
        run.assertTerminalRestored()
    }

    func testSecondSIGTERMEndsTheSessionAtOnce() throws {
        let tmux = try TmuxSession()
        defer { tmux.close() }
        let run = try WrappedRun(tmux, ["exec", Testbed.c1, "--", "sh"])
        tmux.waitForPrefix(prompt)
        let pid = try run.pid()
        let start = monotonic()
        XCTAssertEqual(kill(pid, SIGTERM), 0)
        usleep(100_000)
        XCTAssertFalse(run.finished, "one SIGTERM ended lxattach before its grace: \(tmux.capture())")
        XCTAssertEqual(kill(pid, SIGTERM), 0)
        let status = run.waitForExit(timeout: 10)
        let elapsed = monotonic() - start
        XCTAssertLessThan(elapsed, 2, "a second SIGTERM took \(elapsed) s to end lxattach")
        XCTAssertEqual(status, 137, tmux.capture())
        XCTAssertEqual(run.errorLines, ["Error: ended the command: received SIGTERM twice"], run.stderr)
        run.assertTerminalRestored()
    }

    func testSIGHUPEndsTheSessionAndRestoresTheTerminal() throws {
        let tmux = try TmuxSession()
        defer { tmux.close() }
        let run = try WrappedRun(tmux, ["exec", Testbed.c1, "--", "sh"])
        tmux.waitForPrefix(prompt)
        // Forwarded: the remote shell dies of it, and lxattach reports 128+1.
        let (status, elapsed) = try end(run, with: SIGHUP)
        XCTAssertLessThan(elapsed, 5, "lxattach took \(elapsed) s to end after SIGHUP")
        XCTAssertEqual(status, 129, tmux.capture())
        XCTAssertLessThanOrEqual(run.errorLines.count, 1, run.stderr)
        run.assertTerminalRestored()
    }

    /// Waits until `lxc exec lxa-c2 -- true` works (the instance is up and usable).
    private func waitForC2(timeout: Double = 60) throws {
        try waitUntil("\(Testbed.c2) to accept exec", timeout: timeout, interval: 0.2) {
            try runCommand(
                "lxc", ["exec", Testbed.c2, "--", "true"], environment: ["LXD_CONF": Testbed.conf],
                timeout: 20, failOnTimeout: false
            ).status == 0
        }
    }

    func testForcedStopOfTheInstanceMidSession() throws {
        try waitForC2()
        defer {
            _ = try? lxc("start", Testbed.c2, timeout: 60)
            try? waitForC2()
        }
        let tmux = try TmuxSession()
        defer { tmux.close() }
        let run = try WrappedRun(tmux, ["exec", Testbed.c2, "--", "sh"])
        tmux.waitForPrefix(prompt)
        let stop = try lxc("stop", "-f", Testbed.c2, timeout: 60)
        XCTAssertEqual(stop.status, 0, "\(stop)")
        let start = monotonic()
        let status = run.waitForExit(timeout: 15)
        let elapsed = monotonic() - start
        XCTAssertLessThan(elapsed, 8, "lxattach took \(elapsed) s to notice the stopped instance")
        XCTAssertNotNil(status, tmux.capture())
        // The command was killed (137), or the daemon reported the operation failed (255).
        XCTAssertTrue(status == 137 || status == 255, "status \(String(describing: status)); \(run.stderr)")
        if status == 255 { XCTAssertEqual(run.errorLines.count, 1, run.stderr) }
        XCTAssertLessThanOrEqual(run.errorLines.count, 1, run.stderr)
        run.assertTerminalRestored()
    }

    /// The daemon itself dies mid-session (kill -9): both an interactive session (in
    /// tmux) and a non-interactive one end at once with one `Error:` line and status
    /// 255, and the terminal is restored. The test bed then restarts the daemon.
    func testDaemonKilledMidSession() throws {
        let testbed = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Scripts/testbed").path
        defer {
            let restart = try? runCommand(testbed, [], timeout: 120)
            XCTAssertEqual(restart?.status, 0, "the test bed did not come back: \(String(describing: restart))")
        }
        let tmux = try TmuxSession()
        defer { tmux.close() }
        let run = try WrappedRun(tmux, ["exec", Testbed.c1, "--", "sh"])
        tmux.waitForPrefix(prompt)
        let plain = try LiveDaemonVictim.start()
        // By its PID, as the daemon itself reports it: never a process found by name.
        let daemon = try Testbed.daemonPID()
        XCTAssertEqual(Glibc.kill(daemon, SIGKILL), 0, "kill -9 \(daemon): errno \(errno)")
        let start = monotonic()
        let status = run.waitForExit(timeout: 15)
        XCTAssertLessThan(monotonic() - start, 5, "lxattach took too long to notice the daemon's death")
        XCTAssertEqual(status, 255, tmux.capture())
        XCTAssertEqual(run.errorLines.count, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("lost the connection to LXD"), run.stderr)
        run.assertTerminalRestored()
        let other = plain.finish()
        XCTAssertEqual(other.status, 255, "\(other)")
        XCTAssertEqual(other.stderr.split(separator: "\n").count, 1, other.stderr)
    }

    // MARK: shell and modes

    func testShellIsARootLoginShell() throws {
        let tmux = try TmuxSession()
        defer { tmux.close() }
        let run = try WrappedRun(tmux, ["shell", Testbed.c1])
        tmux.waitForPrefix(prompt)
        try tmux.type("echo U=$(id -u) H=$HOME A=$0")
        tmux.waitForLine("U=0 H=/root A=-sh")
        try tmux.type("id -u")
        tmux.waitForLine("0")
        try tmux.type("echo $HOME")
        tmux.waitForLine("/root")
        try tmux.keys("C-d")
        XCTAssertEqual(run.waitForExit(), 0, tmux.capture())
        XCTAssertEqual(run.stderr, "")
        run.assertTerminalRestored()
    }

    func testNonInteractiveModeInATerminalHasNoPTY() throws {
        let tmux = try TmuxSession()
        defer { tmux.close() }
        let run = try WrappedRun(tmux, ["exec", "--mode", "non-interactive", Testbed.c1, "--", "sh"])
        _ = try run.pid()
        try tmux.type("tty")
        tmux.waitForLine("not a tty")
        // No raw mode: the local line discipline still echoes and edits.
        XCTAssertEqual(try liveSettings(tmux), tmux.read("before"))
        // `tty` failed (1); the shell's status at end of file is its last command's.
        try tmux.type("echo done-$((2+2))")
        tmux.waitForLine("done-4")
        // Ctrl-D is a local end of file: the remote shell reads EOF and exits 0.
        try tmux.keys("C-d")
        XCTAssertEqual(run.waitForExit(), 0, tmux.capture())
        XCTAssertEqual(run.stderr, "")
        run.assertTerminalRestored()
    }

    func testForcedInteractiveInATerminalHasAPTY() throws {
        let tmux = try TmuxSession()
        defer { tmux.close() }
        let run = try WrappedRun(tmux, ["exec", "-t", Testbed.c1, "--", "sh"])
        tmux.waitForPrefix(prompt)
        try tmux.type("tty")
        tmux.waitFor("a /dev/pts/N line") {
            $0.contains { $0.hasPrefix("/dev/pts/") && Int($0.dropFirst("/dev/pts/".count)) != nil }
        }
        try tmux.type("exit 0")
        XCTAssertEqual(run.waitForExit(), 0, tmux.capture())
        run.assertTerminalRestored()
    }

    // MARK: -t without a terminal

    /// `printf 'x\n' | lxattach exec -t c1 -- sh -c 'read l; echo "got $l"; exit 5'`: the
    /// input is sent then Ctrl-D; the PTY echoes it, the script answers, the status is kept.
    func testForcedPTYWithPipedStdinRunsTheScriptAndKeepsTheStatus() throws {
        try assertForcedPTYTranscript(lxdLostTail: true, status: 5, transcript: "x\r\ngot x\r\n") {
            try lxattach(["exec", "-t", Testbed.c1, "--", "sh", "-c", "read l; echo \"got $l\"; exit 5"],
                         stdin: .text("x\n"), timeout: 20)
        }
    }

    func testForcedPTYWithPipedStdinWithoutANewlineEndsCleanly() throws {
        // "abc" and no newline: lxattach ends the input with two Ctrl-D (the first only
        // flushes the partial line), so cat sees EOF and exits 0: no hang, no 129.
        // The output is the PTY's echo "abc" followed by cat's own "abc".
        try assertForcedPTYTranscript(lxdLostTail: true, status: 0, transcript: "abcabc") {
            try lxattach(["exec", "-t", Testbed.c1, "--", "cat"], stdin: .text("abc"), timeout: 20)
        }
    }
}

/// A non-interactive `lxattach exec … sh -c '…sleep 1 sixty times…; : MARKER'` running in the
/// background while the daemon is killed (the command outlives the daemon, as `sleep 60`
/// did; it ends by itself).
private struct LiveDaemonVictim {
    let process: Process
    let errors: Pipe
    let marker: String

    static func start() throws -> LiveDaemonVictim {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Built.lxattach())
        let marker = "lxa-victim-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())"
        process.arguments = ["exec", Testbed.c1, "--", "sh", "-c", "i=0; while [ $i -lt 60 ]; do sleep 1; i=$((i+1)); done; : \(marker)"]
        var env = ProcessInfo.processInfo.environment
        for (k, v) in IsolatedHome.variables { env[k] = v }
        env["LXD_CONF"] = Testbed.conf
        process.environment = env
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        // Wait until its own operation is running (lxc's JSON status is "Running").
        try waitUntil("the victim's operation to be Running", timeout: 10, interval: 0.05) {
            try OpsParse.lxcOperations().contains {
                OpsParse.command($0).contains(marker) && $0["status"] as? String == "Running"
            }
        }
        return LiveDaemonVictim(process: process, errors: errors, marker: marker)
    }

    func finish() -> (status: Int32, stderr: String) {
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            let killed = Date().addingTimeInterval(5)
            while process.isRunning, Date() < killed { usleep(20_000) }
            return (-1, "still running")
        }
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, text)
    }
}
