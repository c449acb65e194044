// A real terminal for the interactive tests: a detached tmux session running a
// plain bash, driven with send-keys and read with capture-pane. Every wait polls
// the screen (or a file) against a deadline and fails the test with the screen
// contents when it passes; nothing relies on a bare sleep.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// One detached tmux session on a server of its own (`tmux -S <its folder>/tmux`, so a
/// user's tmux is never touched), with a scratch folder for the files its shell writes.
/// One server per session: with a shared one, a test's new-session could reach the
/// server just as it exited with the previous test's last session ("server exited
/// unexpectedly").
final class TmuxSession {
    /// Unique per session: pid + random, so parallel test runs never collide.
    let name: String
    /// Scratch folder (removed by `close()`), which holds the tmux server's socket.
    let directory: String
    private var closed = false

    /// Starts `bash --norc --noprofile` in a `width`×`height` window.
    init(width: Int = 100, height: Int = 30, file: StaticString = #filePath, line: UInt = #line) throws {
        name = "lxa-\(getpid())-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        var template = Array("/tmp/lxattach-tmux-XXXXXX".utf8CString)
        guard let dir = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw HarnessError.io("mkdtemp", errno)
        }
        directory = String(cString: dir)
        let r = try tmux(
            ["new-session", "-d", "-s", name, "-x", "\(width)", "-y", "\(height)", "bash --norc --noprofile"])
        guard r.status == 0 else {
            XCTFail("tmux new-session failed: \(r)", file: file, line: line)
            throw HarnessError.notFound("a tmux session (\(r.stderrText))")
        }
    }

    deinit { close() }

    /// Kills the session and removes the scratch folder; idempotent.
    func close() {
        guard !closed else { return }
        closed = true
        _ = try? tmux(["kill-server"])
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs `tmux -S <directory>/tmux args…` (short timeout: tmux commands are instant).
    @discardableResult
    func tmux(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws -> CommandResult {
        try runCommand("tmux", ["-S", directory + "/tmux"] + arguments, timeout: 10, file: file, line: line)
    }

    private var target: String { "=" + name + ":" }

    /// Types `text` literally (no key names), then Enter.
    func type(_ text: String, enter: Bool = true) throws {
        try tmux(["send-keys", "-t", target, "-l", text])
        if enter { try keys("Enter") }
    }

    /// Sends tmux key names: "Enter", "C-c", "C-d", …
    func keys(_ names: String...) throws {
        try tmux(["send-keys", "-t", target] + names)
    }

    /// `tmux resize-window -x width -y height`.
    func resize(width: Int, height: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try tmux(["resize-window", "-t", target, "-x", "\(width)", "-y", "\(height)"])
        XCTAssertEqual(r.status, 0, "\(r)", file: file, line: line)
    }

    /// The pane's terminal device (`/dev/pts/N`), for `stty -F` from outside.
    func paneTTY() throws -> String {
        try tmux(["display-message", "-p", "-t", target, "#{pane_tty}"]).stdoutText
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The visible screen plus history, wrapped lines joined, one string.
    func capture() -> String {
        (try? tmux(["capture-pane", "-p", "-J", "-S", "-200", "-t", target]).stdoutText) ?? ""
    }

    /// The captured lines, trailing blanks trimmed, empty trailing lines dropped.
    func lines() -> [String] {
        var result = capture().split(separator: "\n", omittingEmptySubsequences: false).map {
            String($0.reversed().drop { $0 == " " }.reversed())
        }
        while result.last == "" { result.removeLast() }
        return result
    }

    /// Polls the screen until `condition(lines)` holds; fails the test (showing the
    /// screen) after `timeout` seconds.
    @discardableResult
    func waitFor(
        _ what: @autoclosure () -> String,
        timeout: Double = 10,
        file: StaticString = #filePath,
        line: UInt = #line,
        _ condition: ([String]) -> Bool
    ) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let screen = lines()
            if condition(screen) { return true }
            if Date() >= deadline {
                XCTFail(
                    "timed out after \(timeout) s waiting for \(what()); screen:\n\(screen.joined(separator: "\n"))",
                    file: file, line: line)
                return false
            }
            usleep(30_000)
        }
    }

    /// Waits until some line is exactly `text` (so a typed `echo text` never matches).
    @discardableResult
    func waitForLine(_ text: String, count: Int = 1, timeout: Double = 10, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        waitFor("\(count) line(s) \(text.debugDescription)", timeout: timeout, file: file, line: line) {
            $0.filter { $0 == text }.count >= count
        }
    }

    /// Waits until a line ends with `text`: what the local shell prints after a session,
    /// which follows the remote's last output on its line when that output had no newline
    /// (busybox's echo of the Enter that ran `exit` may be cut as the shell dies).
    @discardableResult
    func waitForLineEnding(_ text: String, timeout: Double = 10, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        waitFor("a line ending with \(text.debugDescription)", timeout: timeout, file: file, line: line) {
            $0.contains { $0.hasSuffix(text) }
        }
    }

    /// Waits until `count` lines start with `prefix` (e.g. the busybox prompt `~ #`).
    @discardableResult
    func waitForPrefix(_ prefix: String, count: Int = 1, timeout: Double = 10, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        waitFor("\(count) line(s) starting with \(prefix.debugDescription)", timeout: timeout, file: file, line: line) {
            $0.filter { $0.hasPrefix(prefix) }.count >= count
        }
    }

    /// Path of a file in the scratch folder.
    func path(_ name: String) -> String { directory + "/" + name }

    /// Waits until the scratch file `name` exists and is not empty; returns its text.
    @discardableResult
    func waitForFile(_ name: String, timeout: Double = 10, file: StaticString = #filePath, line: UInt = #line) -> String? {
        let p = path(name)
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if let data = FileManager.default.contents(atPath: p), !data.isEmpty {
                return String(decoding: data, as: UTF8.self)
            }
            if Date() >= deadline {
                XCTFail("timed out after \(timeout) s waiting for \(p); screen:\n\(capture())", file: file, line: line)
                return nil
            }
            usleep(20_000)
        }
    }

    /// Contents of a scratch file, or nil.
    func read(_ name: String) -> String? {
        FileManager.default.contents(atPath: path(name)).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// Single-quotes a word for bash.
func shellQuote(_ s: String) -> String {
    "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'"
}
