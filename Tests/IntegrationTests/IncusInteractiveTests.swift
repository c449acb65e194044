// Interactive `lxattach --incus exec` sessions in a real terminal (a tmux pane): prompt,
// window size and resize, Ctrl-C, exit status and the terminal restored.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class IncusInteractiveTests: IncusTestCase {
    /// An interactive `lxattach --incus exec ia-c1 -- sh` in a tmux pane, on the unix
    /// socket whatever the test process's environment says (wrapped to save `stty -g`
    /// before and after, lxattach's stderr and exit status).
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
        try ShellChecks.promptSizeResizeExit(tmux, run, host: c1)
    }

    /// Ctrl-C interrupts `sleep 30` in the Incus shell; the shell and lxattach live on
    /// (the sleep looked for through the real incus).
    func testInteractiveCtrlCInterruptsSleepAndTheShellSurvives() throws {
        let tmux = try TmuxSession()
        defer { tmux.close() }
        let run = try incusRun(tmux, conf: Self.emptyConf)
        try ShellChecks.ctrlCInterruptsAndTheShellSurvives(tmux, run) {
            try incus(["exec", c1, "--", "ps", "-o", "ppid,comm"])
        }
    }
}
