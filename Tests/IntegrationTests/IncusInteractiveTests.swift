// Interactive `lxattach --incus exec` sessions in a real terminal (a tmux pane): prompt,
// window size and resize, Ctrl-C, exit status and the terminal restored.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class IncusInteractiveTests: IncusTestCase {
    private let prompt = "~ #"

    /// `lxattach --incus exec ia-c1 -- sh` typed into a tmux pane over the unix socket,
    /// wrapped to save `stty -g` before and after, lxattach's stderr and exit status.
    /// An interactive `lxattach --incus exec ia-c1 -- sh` in a tmux pane, on the unix
    /// socket whatever the test process's environment says.
    private func incusRun(_ tmux: TmuxSession, conf: String, file: StaticString = #filePath, line: UInt = #line) throws -> WrappedRun {
        try WrappedRun(tmux, ["--incus", "exec", Testbed.incusC1, "--", "sh"],
                       setup: "unset INCUS_SOCKET INCUS_DIR INCUS_REMOTE LXATTACH_FLAVOR; export INCUS_CONF=\(shellQuote(conf))",
                       file: file, line: line)
    }

    /// Prompt, output, the window size and its changes, `exit 3`, and the terminal
    /// settings are what they were.
    func testInteractiveShellPromptSizeResizeAndExitStatus() throws {
        let tmux = try TmuxSession(width: 100, height: 30)
        defer { tmux.close() }
        let run = try incusRun(tmux, conf: Self.emptyConf)
        tmux.waitForPrefix(prompt)
        try tmux.type("echo host-$(hostname)")
        tmux.waitForLine("host-\(c1)")
        try tmux.type("stty size")
        tmux.waitForLine("30 100")

        let seen = try tmux.resizeAndAskRemoteSize(width: 120, height: 40)
        XCTAssertEqual(seen.last, "S40x120", "the remote PTY never got the new size: \(seen)")

        try tmux.type("exit 3")
        XCTAssertEqual(run.waitForExit(), 3, tmux.capture())
        tmux.waitForLineEnding("EXIT=3")
        XCTAssertEqual(run.stderr, "")
        run.assertTerminalRestored()
    }

    /// Ctrl-C interrupts `sleep 30` in the Incus shell; the shell and lxattach live on.
    func testInteractiveCtrlCInterruptsSleepAndTheShellSurvives() throws {
        let tmux = try TmuxSession()
        defer { tmux.close() }
        let run = try incusRun(tmux, conf: Self.emptyConf)
        tmux.waitForPrefix(prompt)
        try tmux.type("echo PID=$$")
        tmux.waitFor("the shell's pid") { $0.contains { $0.hasPrefix("PID=") && Int($0.dropFirst(4)) != nil } }
        let shellPID = tmux.lines().first { $0.hasPrefix("PID=") && Int($0.dropFirst(4)) != nil }
            .map { String($0.dropFirst(4)) } ?? "?"
        /// Whether the remote shell has a `sleep` child (seen through the real incus).
        func sleeping() throws -> Bool {
            let r = try incus(["exec", c1, "--", "ps", "-o", "ppid,comm"])
            return r.stdoutText.split(separator: "\n").contains {
                $0.split(separator: " ", omittingEmptySubsequences: true) == [Substring(shellPID), "sleep"]
            }
        }
        try tmux.type("sleep 30")
        try waitUntil("sleep 30 running under the remote shell \(shellPID)") { try sleeping() }
        let prompts = tmux.lines().filter { $0.hasPrefix(prompt) }.count
        try tmux.keys("C-c")
        tmux.waitFor("a new prompt after Ctrl-C", timeout: 5) { $0.filter { $0.hasPrefix(self.prompt) }.count > prompts }
        XCTAssertFalse(try sleeping(), "sleep still runs after Ctrl-C")
        XCTAssertFalse(run.finished, "Ctrl-C ended lxattach itself: \(tmux.capture())")
        try tmux.type("echo alive")
        tmux.waitForLine("alive")
        try tmux.keys("C-d")
        XCTAssertEqual(run.waitForExit(), 0, tmux.capture())
        XCTAssertEqual(run.stderr, "")
        run.assertTerminalRestored()
    }
}
