// `lxattach exec` and signals, against the real daemon: signals sent to lxattach
// reach the remote command, SIGTERM ends a session whose command ignores it, and a
// closed local stdout makes lxattach die of SIGPIPE like any pipeline member.
// Also holds LiveChild, a child whose pipes the test keeps (ExecTests uses it too).
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `lxattach` started with three pipes the test holds: stdin can stay open, stdout
/// can be read a little at a time or closed early, and the process can be signalled.
/// Every wait has a deadline; `deinit` SIGKILLs a child that is still running.
final class LiveChild {
    let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private let errors = Pipe()
    private(set) var stdout: [UInt8] = []
    private(set) var stderr: [UInt8] = []
    private var outFD: Int32
    private var errFD: Int32
    private var inOpen = true
    private let started = Date()
    let command: [String]

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        command = ["lxattach"] + arguments
        process.executableURL = URL(fileURLWithPath: try Built.lxattach())
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in IsolatedHome.variables { env[k] = v }
        env["LXD_CONF"] = Testbed.conf
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        outFD = output.fileHandleForReading.fileDescriptor
        errFD = errors.fileHandleForReading.fileDescriptor
        try process.run()
        // Our copies of the child's ends, so that its exit means EOF for us.
        try? input.fileHandleForReading.close()
        try? output.fileHandleForWriting.close()
        try? errors.fileHandleForWriting.close()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        closeStdin()
        if outFD >= 0 { try? output.fileHandleForReading.close() }
        if errFD >= 0 { try? errors.fileHandleForReading.close() }
    }

    var pid: pid_t { process.processIdentifier }
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }
    var seconds: Double { Date().timeIntervalSince(started) }

    func signal(_ sig: Int32) { kill(pid, sig) }

    func write(_ text: String) throws {
        try input.fileHandleForWriting.write(contentsOf: Data(text.utf8))
    }

    func closeStdin() {
        if inOpen { try? input.fileHandleForWriting.close() }
        inOpen = false
    }

    /// Stops reading stdout: the child's next write gets EPIPE.
    func closeStdout() {
        if outFD >= 0 { try? output.fileHandleForReading.close() }
        outFD = -1
    }

    /// One poll round over stdout and stderr (at most `timeout` seconds).
    private func pump(_ timeout: Double, stdoutLimit: Int = .max) {
        var fds: [pollfd] = []
        if outFD >= 0, stdout.count < stdoutLimit { fds.append(pollfd(fd: outFD, events: Int16(POLLIN), revents: 0)) }
        if errFD >= 0 { fds.append(pollfd(fd: errFD, events: Int16(POLLIN), revents: 0)) }
        if fds.isEmpty { usleep(UInt32(min(timeout, 0.01) * 1e6)); return }
        guard poll(&fds, nfds_t(fds.count), Int32(max(1, timeout * 1000))) > 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 65536)
        for p in fds where p.revents != 0 {
            let want = p.fd == outFD ? min(buffer.count, stdoutLimit - stdout.count) : buffer.count
            let n = buffer.withUnsafeMutableBytes { Glibc.read(p.fd, $0.baseAddress, want) }
            if n > 0 {
                if p.fd == outFD { stdout += buffer[0..<n] } else { stderr += buffer[0..<n] }
            } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                if p.fd == outFD { closeStdout() } else { try? errors.fileHandleForReading.close(); errFD = -1 }
            }
        }
    }

    /// Reads stdout until it contains `text`; false (and the test fails) after `timeout`.
    @discardableResult
    func readStdout(until text: String, timeout: Double = 15, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while !stdoutText.contains(text) {
            if Date() >= deadline || (outFD < 0 && !process.isRunning) {
                XCTFail("no \(text.debugDescription) on stdout: \(self)", file: file, line: line)
                return false
            }
            pump(0.05)
        }
        return true
    }

    /// Reads exactly `count` bytes of stdout (fewer on EOF or timeout).
    func readStdout(count: Int, timeout: Double = 15) -> [UInt8] {
        let deadline = Date().addingTimeInterval(timeout)
        while stdout.count < count, outFD >= 0, Date() < deadline { pump(0.05, stdoutLimit: count) }
        return Array(stdout.prefix(count))
    }

    /// Drains the outputs until the child has exited. Returns false after `timeout`
    /// (the child is SIGKILLed then, and the test fails unless `failOnTimeout` is off).
    @discardableResult
    func wait(timeout: Double = 30, failOnTimeout: Bool = true, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning || outFD >= 0 || errFD >= 0 {
            if Date() >= deadline {
                kill(pid, SIGKILL)
                if failOnTimeout { XCTFail("still running after \(timeout) s, killed: \(self)", file: file, line: line) }
                return false
            }
            pump(0.02)
        }
        process.waitUntilExit()
        return true
    }

    /// The exit status, or nil when a signal ended it.
    var status: Int32? { process.terminationReason == .exit ? process.terminationStatus : nil }
    /// The signal that ended it, or nil.
    var terminatingSignal: Int32? { process.terminationReason == .uncaughtSignal ? process.terminationStatus : nil }

    var description: String {
        let how = process.isRunning ? "running" : status.map { "exit \($0)" } ?? "signal \(terminatingSignal ?? 0)"
        return "`\(command.joined(separator: " "))`: \(how) after \(String(format: "%.2f", seconds)) s; "
            + "stdout \(stdoutText.debugDescription); stderr \(stderrText.debugDescription)"
    }
}

extension LiveChild: CustomStringConvertible {}

final class ExecSignalTests: IntegrationTestCase {
    private let trapUSR1 = "trap \"echo got USR1; exit 9\" USR1; echo ready; while true; do sleep 0.1; done"

    private func checkUSR1IsForwarded(remote: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let child = try LiveChild(["exec", remote + Testbed.c1, "--", "sh", "-c", trapUSR1])
        guard child.readStdout(until: "ready\n", file: file, line: line) else { return }
        child.signal(SIGUSR1)
        guard child.wait(timeout: 10, file: file, line: line) else { return }
        XCTAssertEqual(child.status, 9, "\(child)", file: file, line: line)
        XCTAssertEqual(child.stdoutText, "ready\ngot USR1\n", "\(child)", file: file, line: line)
        XCTAssertEqual(child.stderrText, "", "\(child)", file: file, line: line)
    }

    /// lxc forwards SIGUSR1 over the control socket; the remote trap runs and its
    /// status comes back.
    func testSIGUSR1IsForwardedToTheCommand() throws {
        try checkUSR1IsForwarded(remote: "")
    }

    func testSIGUSR1IsForwardedOverTLS() throws {
        try checkUSR1IsForwarded(remote: Testbed.remote + ":")
    }

    /// SIGTERM to lxattach reaches `sleep`, which dies of it: 128 + 15, no message.
    func testSIGTERMEndsTheCommandWith143() throws {
        try assertSIGTERMForwarded(["exec", Testbed.c1])
    }

    /// A command that ignores SIGTERM (or SIGHUP): lxattach still goes away after its
    /// 3 s grace, with one `Error:` line naming the signal and the status of the
    /// SIGKILLed command, 137. The command is the top process alone (`read`, a shell
    /// builtin): nothing of it survives the SIGKILL.
    func testSIGTERMOrSIGHUPIgnoredByTheCommandStillEndsLxattachWith137() throws {
        for (sig, name) in [(SIGTERM, "SIGTERM"), (SIGHUP, "SIGHUP")] {
            let child = try LiveChild(["exec", Testbed.c1, "--", "sh", "-c", "trap '' TERM HUP; echo ready; read x"])
            guard child.readStdout(until: "ready\n") else { return }
            let sent = Date()
            child.signal(sig)
            guard child.wait(timeout: 15) else { return }
            let took = Date().timeIntervalSince(sent)
            XCTAssertLessThan(took, 5.5, "\(name): \(child)")
            XCTAssertGreaterThan(took, 2.5, "\(name): ended before the grace: \(child)")
            XCTAssertEqual(child.status, 137, "\(name): \(child)")
            let lines = child.stderrText.split(separator: "\n", omittingEmptySubsequences: false)
            XCTAssertEqual(lines.count, 2, "one line expected: \(child)")
            XCTAssertTrue(child.stderrText.hasPrefix("Error: "), "\(child)")
            XCTAssertTrue(child.stderrText.contains(name), "\(child)")
        }
    }

    /// A second SIGTERM or SIGHUP does not wait for the grace.
    func testSecondSIGTERMOrSIGHUPEndsAtOnce() throws {
        for (first, second) in [(SIGTERM, SIGTERM), (SIGHUP, SIGHUP), (SIGHUP, SIGTERM)] {
            let child = try LiveChild(["exec", Testbed.c1, "--", "sh", "-c", "trap '' TERM HUP; echo ready; read x"])
            guard child.readStdout(until: "ready\n") else { return }
            let sent = Date()
            child.signal(first)
            usleep(300_000)
            child.signal(second)
            guard child.wait(timeout: 15) else { return }
            XCTAssertLessThan(Date().timeIntervalSince(sent), 2.5, "\(first), \(second): \(child)")
            XCTAssertEqual(child.status, 137, "\(child)")
            XCTAssertEqual(child.stderrText.filter { $0 == "\n" }.count, 1, "\(child)")
            XCTAssertTrue(child.stderrText.hasPrefix("Error: "), "\(child)")
        }
    }

    /// Every other signal of README's list reaches the command: a remote trap per signal
    /// prints its name, one signal at a time, in one session; SIGUSR1 then ends it.
    /// (SIGTSTP, SIGTTIN and SIGTTOU would stop lxattach itself if it did not catch them:
    /// the bounded waits catch that.)
    func testEachListedSignalIsForwarded() throws {
        let signals: [(Int32, String)] = [
            (SIGINT, "INT"), (SIGQUIT, "QUIT"), (SIGABRT, "ABRT"), (SIGTSTP, "TSTP"),
            (SIGTTIN, "TTIN"), (SIGTTOU, "TTOU"), (SIGUSR2, "USR2"), (SIGCONT, "CONT"),
        ]
        let traps = signals.map { "trap 'echo got \($0.1)' \($0.1)" }.joined(separator: "; ")
        let script = "\(traps); trap 'exit 7' USR1; echo ready; i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done"
        let child = try LiveChild(["exec", Testbed.c1, "--", "sh", "-c", script])
        guard child.readStdout(until: "ready\n") else { return }
        for (sig, name) in signals {
            child.signal(sig)
            guard child.readStdout(until: "got \(name)\n", timeout: 10) else { return }
        }
        child.signal(SIGUSR1)
        guard child.wait(timeout: 10) else { return }
        XCTAssertEqual(child.status, 7, "\(child)")
        XCTAssertEqual(child.stdoutText, "ready\n" + signals.map { "got \($0.1)\n" }.joined(), "\(child)")
        XCTAssertEqual(child.stderrText, "", "\(child)")
    }

    /// `lxattach exec c1 -- yes | head -c 10`: once the reader is gone lxattach
    /// ends the command and dies of SIGPIPE (141 in a shell), silently and promptly.
    func testBrokenLocalStdoutEndsWithSIGPIPE() throws {
        // A marker of our own, so that another test run's `yes` is not counted.
        let marker = "lxa-epipe-\(getpid())"
        let child = try LiveChild(["exec", Testbed.c1, "--", "sh", "-c", "yes \(marker)"])
        let first = child.readStdout(count: marker.utf8.count + 1)
        XCTAssertEqual(first, Array("\(marker)\n".utf8), "\(child)")
        let closed = Date()
        child.closeStdout()
        guard child.wait(timeout: 10) else { return }
        XCTAssertLessThan(Date().timeIntervalSince(closed), 5, "\(child)")
        XCTAssertEqual(child.terminatingSignal, SIGPIPE, "\(child)")
        XCTAssertEqual(child.stderrText, "", "\(child)")
        // The remote `yes` is gone too (LXD killed it or its pipe broke).
        let pattern = "[y]es \(marker)"
        try waitUntil("the remote `yes \(marker)` to end", timeout: 5, interval: 0.2) {
            let ps = try lxattach(["exec", Testbed.c1, "--", "sh", "-c", "ps -o args | grep -c '\(pattern)' || true"])
            return ps.stdoutText == "0\n"
        }
    }

    /// The same through a real shell pipeline: PIPESTATUS is 141.
    func testBrokenPipeInAShellPipelineIs141() throws {
        let l = try Built.lxattach()
        let r = try runCommand(
            "bash", ["-c", "'\(l)' exec \(Testbed.c1) -- sh -c yes | head -c 10 >/dev/null; echo \"${PIPESTATUS[0]}\""],
            environment: ["LXD_CONF": Testbed.conf], timeout: 20)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdoutText, "141\n", "\(r)")
        XCTAssertEqual(r.stderrText, "", "\(r)")
        XCTAssertLessThan(r.seconds, 5, "\(r)")
    }
}

/// `lxattach ARGS -- sh -c 'echo ready; exec sleep 30'`, SIGTERM once ready: the
/// signal reaches `sleep`, which dies of it (128 + 15), quickly and without a message.
func assertSIGTERMForwarded(_ arguments: [String], environment: [String: String] = [:],
                            file: StaticString = #filePath, line: UInt = #line) throws {
    let child = try LiveChild(arguments + ["--", "sh", "-c", "echo ready; exec sleep 30"], environment: environment)
    defer { child.signal(SIGKILL) }
    guard child.readStdout(until: "ready\n", file: file, line: line) else { return }
    child.signal(SIGTERM)
    guard child.wait(timeout: 10, file: file, line: line) else { return }
    XCTAssertEqual(child.status, 143, "\(child)", file: file, line: line)
    XCTAssertEqual(child.stderrText, "", "\(child)", file: file, line: line)
    XCTAssertLessThan(child.seconds, 5, "\(child)", file: file, line: line)
}
