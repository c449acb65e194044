// The checks an interactive `sh` session in a tmux pane gets against every daemon (LXD,
// Incus, a cluster member): one script, so all of them are held to the same behaviour.
import Foundation
import XCTest

enum ShellChecks {
    /// busybox sh's prompt in the test bed's instances.
    static let prompt = "~ #"

    /// Prompt; `hostname` is `host`; `stty size` is the pane's 30×100; a resize to 120×40
    /// reaches the remote PTY; `exit 3` is lxattach's status 3, with nothing on stderr and
    /// the terminal restored. The pane must be 100×30.
    static func promptSizeResizeExit(_ tmux: TmuxSession, _ run: WrappedRun, host: String, context: String = "",
                                     file: StaticString = #filePath, line: UInt = #line) throws {
        tmux.waitForPrefix(prompt, file: file, line: line)
        try tmux.type("echo host-$(hostname)")
        tmux.waitForLine("host-\(host)", file: file, line: line)
        try tmux.type("stty size")
        tmux.waitForLine("30 100", file: file, line: line)
        let seen = try tmux.resizeAndAskRemoteSize(width: 120, height: 40, file: file, line: line)
        XCTAssertEqual(seen.last, "S40x120", "\(context)the remote PTY never got the new size: \(seen)",
                       file: file, line: line)
        try tmux.type("exit 3")
        XCTAssertEqual(run.waitForExit(), 3, "\(context)\(tmux.capture())", file: file, line: line)
        tmux.waitForLineEnding("EXIT=3", file: file, line: line)
        XCTAssertEqual(run.stderr, "", context, file: file, line: line)
        run.assertTerminalRestored(file: file, line: line)
    }

    /// `sleep 30` under the remote shell, then Ctrl-C: a new prompt within 5 s, the sleep
    /// gone, the shell and lxattach alive; then Ctrl-D ends it with 0, nothing on stderr,
    /// the terminal restored. `processes` runs `ps -o ppid,comm` in the instance (through
    /// the daemon's own client).
    static func ctrlCInterruptsAndTheShellSurvives(_ tmux: TmuxSession, _ run: WrappedRun,
                                                   processes: () throws -> CommandResult,
                                                   file: StaticString = #filePath, line: UInt = #line) throws {
        tmux.waitForPrefix(prompt, file: file, line: line)
        try tmux.type("echo PID=$$")
        func pid(_ text: String) -> String? {
            text.hasPrefix("PID=") && Int(text.dropFirst(4)) != nil ? String(text.dropFirst(4)) : nil
        }
        tmux.waitFor("the shell's pid", file: file, line: line) { $0.contains { pid($0) != nil } }
        let shellPID = tmux.lines().lazy.compactMap(pid).first ?? "?"
        /// Whether the remote shell has a `sleep` child.
        func sleeping() throws -> Bool {
            try processes().stdoutText.split(separator: "\n").contains {
                $0.split(separator: " ", omittingEmptySubsequences: true) == [Substring(shellPID), "sleep"]
            }
        }
        try tmux.type("sleep 30")
        try waitUntil("sleep 30 running under the remote shell \(shellPID)", file: file, line: line) { try sleeping() }
        let prompts = tmux.lines().filter { $0.hasPrefix(prompt) }.count
        let start = Date()
        try tmux.keys("C-c")
        tmux.waitFor("a new prompt after Ctrl-C", timeout: 5, file: file, line: line) {
            $0.filter { $0.hasPrefix(prompt) }.count > prompts
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5, file: file, line: line)
        XCTAssertFalse(try sleeping(), "sleep still runs after Ctrl-C", file: file, line: line)
        XCTAssertFalse(run.finished, "Ctrl-C ended lxattach itself: \(tmux.capture())", file: file, line: line)
        try tmux.type("echo alive")
        tmux.waitForLine("alive", file: file, line: line)
        try tmux.keys("C-d")
        XCTAssertEqual(run.waitForExit(), 0, tmux.capture(), file: file, line: line)
        XCTAssertEqual(run.stderr, "", file: file, line: line)
        run.assertTerminalRestored(file: file, line: line)
    }
}
