import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// One lxattach run in a tmux pane:
/// `stty -g > before; ( echo $BASHPID > pid; LXD_CONF=… exec lxattach ARGS 2> err );
///  s=$?; echo EXIT=$s; echo $s > status; stty -g > after`
struct WrappedRun {
    let tmux: TmuxSession

    /// `setup` runs in the subshell before lxattach (environment for it); by default it
    /// selects the LXD test bed's config folder.
    init(_ tmux: TmuxSession, _ arguments: [String], setup: String = "export LXD_CONF=\(shellQuote(Testbed.conf))",
         file: StaticString = #filePath, line: UInt = #line) throws {
        self.tmux = tmux
        let exe = try Built.lxattach()
        let d = tmux.directory
        let command = ([exe] + arguments).map(shellQuote).joined(separator: " ")
        try tmux.type(
            "stty -g > \(d)/before; ( echo $BASHPID > \(d)/pid; \(setup); exec \(command) 2> \(d)/err ); "
                + "s=$?; echo EXIT=$s; echo $s > \(d)/status; stty -g > \(d)/after")
        tmux.waitForFile("before", file: file, line: line)
    }

    /// lxattach's pid, checked to really be lxattach (never signal a stranger).
    func pid(file: StaticString = #filePath, line: UInt = #line) throws -> pid_t {
        guard let text = tmux.waitForFile("pid", file: file, line: line),
              let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw HarnessError.notFound("lxattach's pid")
        }
        // The subshell writes its pid just before it execs lxattach.
        func cmdline() -> String {
            FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map { String(decoding: $0, as: UTF8.self) } ?? ""
        }
        let deadline = Date().addingTimeInterval(5)
        while !cmdline().contains("lxattach"), Date() < deadline { usleep(10_000) }
        guard cmdline().contains("lxattach") else {
            XCTFail("pid \(pid) is not lxattach: \(cmdline().debugDescription)", file: file, line: line)
            throw HarnessError.notFound("lxattach's pid")
        }
        return pid
    }

    /// Waits for the wrapper to finish; returns lxattach's exit status.
    func waitForExit(timeout: Double = 10, file: StaticString = #filePath, line: UInt = #line) -> Int32? {
        guard tmux.waitForFile("after", timeout: timeout, file: file, line: line) != nil,
              let text = tmux.read("status") else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// True once the wrapper has finished (no waiting).
    var finished: Bool { !(tmux.read("after") ?? "").isEmpty }

    /// lxattach's stderr.
    var stderr: String { tmux.read("err") ?? "" }
    var errorLines: [String] { stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("Error:") } }

    /// The terminal settings must be exactly what they were before lxattach ran.
    func assertTerminalRestored(file: StaticString = #filePath, line: UInt = #line) {
        let before = tmux.read("before") ?? ""
        let after = tmux.read("after") ?? ""
        XCTAssertFalse(before.isEmpty, "no stty -g before", file: file, line: line)
        XCTAssertEqual(before, after, "terminal settings changed; screen:\n\(tmux.capture())", file: file, line: line)
    }
}


extension TmuxSession {
    /// Resizes the window, waits until the local pane has the new size (tmux resizes the
    /// pty, the kernel sends SIGWINCH to lxattach), then asks the remote shell for its
    /// size, a few times: the resize travels over the control socket and the keys over
    /// fd 0 (two connections), so the control message gets a short head start. Returns
    /// the answers, `S<rows>x<columns>`, in order.
    func resizeAndAskRemoteSize(width: Int, height: Int, file: StaticString = #filePath, line: UInt = #line) throws -> [String] {
        try resize(width: width, height: height, file: file, line: line)
        let tty = try paneTTY()
        waitUntil("the pane to be \(height)x\(width)", file: file, line: line) {
            (try? runCommand("stty", ["size", "-F", tty], timeout: 10).stdoutText) == "\(height) \(width)\n"
        }
        var seen: [String] = []
        for attempt in 1...4 {
            try type("echo S$(stty size | tr ' ' x)")
            waitFor("size answer \(attempt)", file: file, line: line) {
                $0.filter { $0.hasPrefix("S") && $0.contains("x") }.count >= attempt
            }
            seen = lines().filter { $0.hasPrefix("S") && $0.contains("x") }
            if seen.last == "S\(height)x\(width)" { break }
            usleep(200_000)
        }
        return seen
    }
}
