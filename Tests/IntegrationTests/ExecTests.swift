// `lxattach exec` in non-interactive mode against the real daemon over the unix
// socket, in the spirit of LXD's test/suites/exec.sh: exit statuses, byte-exact
// stdout/stderr, many round trips, environment / cwd / user / group, every kind
// of stdin, binary data, pipelines, background children and our own errors.
// ExecChecks holds the checks so ExecTLSTests can run them over https too.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Checks shared by the unix-socket and TLS suites. `target` is `[remote:]instance`.
enum ExecChecks {
    /// 0, 7, 126 (+ lxc's message), 127 (+ message), 143 (killed by TERM), 300 → 44.
    static func exitStatuses(_ target: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let cases: [(command: [String], status: Int32, stderr: String)] = [
            (["true"], 0, ""),
            (["sh", "-c", "exit 7"], 7, ""),
            (["/etc/passwd"], 126, "Error: Command not executable\n"),
            (["/nonexistent"], 127, "Error: Command not found\n"),
            (["sh", "-c", "kill -TERM $$"], 143, ""),
            (["sh", "-c", "exit 300"], 44, ""),
        ]
        for c in cases {
            let r = try lxattach(["exec", target, "--"] + c.command, timeout: 30, file: file, line: line)
            XCTAssertEqual(r.status, c.status, "\(r)", file: file, line: line)
            XCTAssertEqual(r.stderrText, c.stderr, "\(r)", file: file, line: line)
            XCTAssertEqual(r.stdout, [], "\(r)", file: file, line: line)
        }
    }

    /// Interleaved small writes to both streams, with NUL and 0xFF bytes: each side
    /// gets exactly its own bytes, in order.
    static func outputSeparation(_ target: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let s = SeparationScript(count: 300)
        let r = try lxattach(["exec", target, "--", "sh", "-c", s.script], timeout: 30, file: file, line: line)
        s.assertCarried(by: r, status: 0, file: file, line: line)
    }

    /// `echo $i | lxattach exec c1 -- cat`, one after the other.
    static func serialRoundTrips(_ target: String, count: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        for i in 0..<count {
            let r = try lxattach(["exec", target, "--", "cat"], stdin: .text("\(i)\n"), timeout: 20, file: file, line: line)
            XCTAssertEqual(r.status, 0, "round trip \(i): \(r)", file: file, line: line)
            XCTAssertEqual(r.stdoutText, "\(i)\n", "round trip \(i): \(r)", file: file, line: line)
            XCTAssertEqual(r.stderrText, "", "round trip \(i): \(r)", file: file, line: line)
        }
    }

    /// The same, all at once. Stdin comes from files: the harness's pipes are made
    /// close-on-exec only after pipe(2), so a sibling spawned in between may inherit
    /// one; an inherited stdin pipe could make two round trips wait on each other.
    static func concurrentRoundTrips(_ target: String, count: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let dir = NSTemporaryDirectory() + "lxa-exec-concurrent-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for i in 0..<count {
            try Data("\(i)\n".utf8).write(to: URL(fileURLWithPath: "\(dir)/\(i)"))
        }
        let results = ResultBox(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let r = Result {
                try lxattach(["exec", target, "--", "cat"], stdin: .file("\(dir)/\(i)"), timeout: 60, failOnTimeout: false)
            }
            results.set(i, r)
        }
        for i in 0..<count {
            guard let r = try results.get(i).get() else { XCTFail("no result \(i)", file: file, line: line); continue }
            XCTAssertFalse(r.timedOut, "round trip \(i) hung: \(r)", file: file, line: line)
            XCTAssertEqual(r.status, 0, "round trip \(i): \(r)", file: file, line: line)
            XCTAssertEqual(r.stdoutText, "\(i)\n", "round trip \(i): \(r)", file: file, line: line)
            XCTAssertEqual(r.stderrText, "", "round trip \(i): \(r)", file: file, line: line)
        }
    }

    /// --env (and `KEY` alone = the local value, as docker exec -e KEY), TERM passed
    /// through, --cwd, --user, --group.
    static func environmentAndIdentity(_ target: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let show = #"printf '%s|%s|%s|%s|%s\n' "$FOO" "$KEY" "${KEY+set}" "$EQ" "${TERM-unset}""#
        let r = try lxattach(
            ["exec", target, "--env", "FOO=bar", "--env", "KEY", "--env", "EQ=a=b", "--", "sh", "-c", show],
            environment: ["TERM": "xterm-lxa", "KEY": "local value"], file: file, line: line)
        XCTAssertEqual(r.status, 0, "\(r)", file: file, line: line)
        XCTAssertEqual(r.stdoutText, "bar|local value|set|a=b|xterm-lxa\n", "\(r)", file: file, line: line)

        let noTerm = try lxattach(["exec", target, "--", "sh", "-c", "echo ${TERM-unset}"],
                                  environment: ["TERM": nil], file: file, line: line)
        XCTAssertEqual(noTerm.status, 0, "\(noTerm)", file: file, line: line)
        XCTAssertEqual(noTerm.stdoutText, "unset\n", "TERM made up: \(noTerm)", file: file, line: line)

        let who = try lxattach(
            ["exec", target, "--cwd", "/tmp", "--user", "\(Testbed.uid)", "--group", "\(Testbed.extraGID)",
             "--", "sh", "-c", "pwd; id -u; id -g"], file: file, line: line)
        XCTAssertEqual(who.status, 0, "\(who)", file: file, line: line)
        XCTAssertEqual(who.stdoutText, "/tmp\n\(Testbed.uid)\n\(Testbed.extraGID)\n", "\(who)", file: file, line: line)

        let root = try lxattach(["exec", target, "--", "sh", "-c", "pwd; id -u; id -g"], file: file, line: line)
        XCTAssertEqual(root.stdoutText, "/root\n0\n0\n", "\(root)", file: file, line: line)
    }

    /// Bytes in, EOF in: `cat` gets both and ends.
    static func stdinEOFEndsCat(_ target: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try lxattach(["exec", target, "--", "sh", "-c", "cat; echo end"], stdin: .text("no newline"),
                             timeout: 20, file: file, line: line)
        XCTAssertEqual(r.status, 0, "\(r)", file: file, line: line)
        XCTAssertEqual(r.stdoutText, "no newlineend\n", "\(r)", file: file, line: line)
    }

    /// `count` random bytes through `cat` (in and out at once), then up into a file
    /// (sha256 checked in the container) and back down with `cat file`.
    static func binaryRoundTrips(_ target: String, count: Int, file: StaticString = #filePath, line: UInt = #line) throws {
        let data = try randomBytes(count)
        let echo = try lxattach(["exec", target, "--", "cat"], stdin: .bytes(data), timeout: 60, file: file, line: line)
        XCTAssertEqual(echo.status, 0, "\(echo)", file: file, line: line)
        XCTAssertEqual(echo.stdout.count, data.count, file: file, line: line)
        XCTAssertTrue(echo.stdout == data, "bytes through cat differ", file: file, line: line)

        let name = "/tmp/lxa-itest-exec-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { _ = try? lxattach(["exec", target, "--", "rm", "-f", name]) }
        let up = try lxattach(["exec", target, "--", "sh", "-c", "cat > \(name) && sha256sum < \(name)"],
                              stdin: .bytes(data), timeout: 60, file: file, line: line)
        XCTAssertEqual(up.status, 0, "\(up)", file: file, line: line)
        XCTAssertEqual(up.stdoutText.prefix(64), try sha256(data).prefix(64), "upload: \(up)", file: file, line: line)

        let down = try lxattach(["exec", target, "--", "cat", name], timeout: 60, file: file, line: line)
        XCTAssertEqual(down.status, 0, "\(down)", file: file, line: line)
        XCTAssertEqual(down.stdout.count, data.count, file: file, line: line)
        XCTAssertTrue(down.stdout == data, "downloaded bytes differ", file: file, line: line)
    }

    /// One-line `Error: …` on stderr, nothing on stdout, status 255.
    static func assertOwnError(_ r: CommandResult, contains text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 255, "\(r)", file: file, line: line)
        XCTAssertEqual(r.stdout, [], "\(r)", file: file, line: line)
        XCTAssertTrue(r.stderrText.hasPrefix("Error: "), "\(r)", file: file, line: line)
        XCTAssertTrue(r.stderrText.hasSuffix("\n"), "\(r)", file: file, line: line)
        XCTAssertEqual(r.stderrText.filter { $0 == "\n" }.count, 1, "one line expected: \(r)", file: file, line: line)
        XCTAssertTrue(r.stderrText.contains(text), "\(text.debugDescription) expected: \(r)", file: file, line: line)
    }

    static func randomBytes(_ count: Int) throws -> [UInt8] {
        guard let h = FileHandle(forReadingAtPath: "/dev/urandom") else { throw HarnessError.notFound("/dev/urandom") }
        defer { try? h.close() }
        return [UInt8](try h.read(upToCount: count) ?? Data())
    }

    /// Hex sha256 by the system's sha256sum.
    static func sha256(_ data: [UInt8]) throws -> String {
        let r = try runCommand("sha256sum", stdin: .bytes(data))
        return String(r.stdoutText.prefix(64))
    }
}

/// Results written by concurrent workers.
final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Result<CommandResult, Error>?]
    init(count: Int) { items = Array(repeating: nil, count: count) }
    func set(_ i: Int, _ r: Result<CommandResult, Error>) { lock.lock(); items[i] = r; lock.unlock() }
    func get(_ i: Int) -> Result<CommandResult?, Error> {
        lock.lock(); defer { lock.unlock() }
        guard let r = items[i] else { return .success(nil) }
        return r.map { Optional($0) }
    }
}

final class ExecTests: IntegrationTestCase {
    private let c1 = Testbed.c1

    // MARK: statuses and output

    func testExitStatuses() throws {
        try ExecChecks.exitStatuses(c1)
    }

    func testStdoutAndStderrStaySeparateByteForByte() throws {
        try ExecChecks.outputSeparation(c1)
    }

    func testLargeOutputOnBothStreams() throws {
        let r = try lxattach(["exec", c1, "--", "sh", "-c", "seq 1 50000; seq 50001 60000 >&2; seq 60001 70000"], timeout: 30)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdoutText, (Array(1...50000) + Array(60001...70000)).map { "\($0)\n" }.joined())
        XCTAssertEqual(r.stderrText, (50001...60000).map { "\($0)\n" }.joined())
    }

    // MARK: many sessions

    func test25SerialRoundTrips() throws {
        try ExecChecks.serialRoundTrips(c1, count: 25)
    }

    func test25ConcurrentRoundTrips() throws {
        try ExecChecks.concurrentRoundTrips(c1, count: 25)
    }

    // MARK: environment and identity

    func testEnvironmentCwdUserAndGroup() throws {
        try ExecChecks.environmentAndIdentity(c1)
    }

    func testFlagsBeforeTheInstanceToo() throws {
        let r = try lxattach(["exec", "--cwd", "/tmp", "--env", "A=1", c1, "--", "sh", "-c", "echo $A; pwd"])
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdoutText, "1\n/tmp\n", "\(r)")
    }

    func testArgumentsAfterTheSeparatorAreNotOurs() throws {
        // `-n`, `--env` and a second `--` belong to the command.
        let r = try lxattach(["exec", c1, "--", "sh", "-c", "printf '%s,' \"$@\"", "sh", "-n", "--env", "--", "x y"])
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdoutText, "-n,--env,--,x y,", "\(r)")
    }

    // MARK: stdin

    func testStdinEOFReachesTheCommand() throws {
        try ExecChecks.stdinEOFEndsCat(c1)
    }

    /// With a live stdin pipe, `cat` echoes what we write and ends only when we close it.
    func testCatFollowsALiveStdinUntilItCloses() throws {
        let child = try LiveChild(["exec", c1, "--", "cat"])
        try child.write("abc\n")
        guard child.readStdout(until: "abc\n") else { return }
        usleep(300_000)
        XCTAssertTrue(child.process.isRunning, "cat ended while stdin was open: \(child)")
        try child.write("def")
        child.closeStdin()
        guard child.wait(timeout: 10) else { return }
        XCTAssertEqual(child.status, 0, "\(child)")
        XCTAssertEqual(child.stdoutText, "abc\ndef", "\(child)")
    }

    /// `-n` / `--disable-stdin`: the command sees EOF at once although our stdin
    /// (a pipe nobody writes or closes) stays open.
    func testDisableStdinGivesEOFAtOnce() throws {
        for flag in ["-n", "--disable-stdin"] {
            let child = try LiveChild(["exec", c1, flag, "--", "sh", "-c", "cat; echo eof"])
            guard child.wait(timeout: 10) else { continue }
            XCTAssertEqual(child.status, 0, "\(flag): \(child)")
            XCTAssertEqual(child.stdoutText, "eof\n", "\(flag): \(child)")
            child.closeStdin()
        }
    }

    func testDevNullStdin() throws {
        let r = try lxattach(["exec", c1, "--", "sh", "-c", "cat; echo eof"], stdin: .null, timeout: 20)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdoutText, "eof\n", "\(r)")
    }

    /// Started with fd 0 closed, lxattach must not take one of its sockets for stdin.
    func testClosedStdin() throws {
        let l = try Built.lxattach()
        let r = try runCommand(
            "sh", ["-c", "exec 0<&-; '\(l)' exec \(c1) -- sh -c 'cat; echo eof'; echo \"rc=$?\""],
            environment: ["LXD_CONF": Testbed.conf], timeout: 20)
        XCTAssertEqual(r.stdoutText, "eof\nrc=0\n", "\(r)")
        XCTAssertEqual(r.stderrText, "", "\(r)")
    }

    /// An endless stdin that the command never reads: `ls` ends, so do we.
    func testEndlessUnreadStdinDoesNotHang() throws {
        let r = try lxattach(["exec", c1, "--", "ls", "/"], stdin: .file("/dev/zero"), timeout: 20)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertTrue(r.stdoutText.contains("bin\n"), "\(r)")
        XCTAssertLessThan(r.seconds, 10, "\(r)")
    }

    // MARK: data

    func testBinaryRoundTrips() throws {
        try ExecChecks.binaryRoundTrips(c1, count: 3 << 20)
    }

    /// `lxattach exec c1 -- cat /etc/passwd | lxattach exec c2 -- sh -c 'cat > /tmp/g'`.
    func testPipelineBetweenTwoInstances() throws {
        let l = try Built.lxattach()
        let name = "/tmp/lxa-itest-exec-g-\(getpid())"
        defer { _ = try? lxattach(["exec", Testbed.c2, "--", "rm", "-f", name]) }
        let r = try runCommand(
            "bash", ["-c", "set -o pipefail; '\(l)' exec \(c1) -- cat /etc/passwd | '\(l)' exec \(Testbed.c2) -- sh -c 'cat > \(name)'"],
            environment: ["LXD_CONF": Testbed.conf], timeout: 30)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stderrText, "", "\(r)")
        let want = try reference { try lxc("exec", c1, "--", "cat", "/etc/passwd") }
        let got = try lxattach(["exec", Testbed.c2, "--", "cat", name])
        XCTAssertEqual(got.status, 0, "\(got)")
        XCTAssertFalse(want.stdout.isEmpty, "\(want)")
        XCTAssertEqual(got.stdoutText, want.stdoutText)
    }

    // MARK: background children

    /// LXD 5.0.2 ends the session when the command's stdout/stderr pipes reach EOF,
    /// not when the command exits: a background child holding them keeps it open
    /// (as with `lxc exec`), and what it writes later arrives. Redirected, it does not:
    /// the session is over while the child still runs (it is then ended by its pid).
    func testBackgroundChildHoldingStdoutDelaysTheEnd() throws {
        let command = ["sh", "-c", "(sleep 1; echo late) & echo x"]
        let held = try lxattach(["exec", c1, "--"] + command, timeout: 20)
        XCTAssertEqual(held.status, 0, "\(held)")
        XCTAssertEqual(held.stdoutText, "x\nlate\n", "\(held)")
        let real = try reference { try runCommand("lxc", ["exec", c1, "--"] + command, environment: ["LXD_CONF": Testbed.conf], timeout: 20) }
        XCTAssertEqual(real.stdoutText, held.stdoutText, "lxc: \(real)")

        let free = try lxattach(["exec", c1, "--", "sh", "-c", "sleep 60 >/dev/null 2>&1 </dev/null & echo $!"], timeout: 20)
        XCTAssertEqual(free.status, 0, "\(free)")
        let pid = free.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertNotNil(Int(pid), "\(free)")
        let killed = try lxattach(["exec", c1, "--", "kill", pid])
        XCTAssertEqual(killed.status, 0, "the child had already ended: the session waited for it: \(killed)")
    }

    // MARK: our own errors

    /// A command that cannot be run: lxc's very message and status.
    func testNotExecutableAndNotFoundAreWhatLxcSays() throws {
        for command in [["/etc/passwd"], ["/nonexistent"], ["/tmp"]] {
            let ours = try lxattach(["exec", c1, "--"] + command)
            let theirs = try reference { try runCommand("lxc", ["exec", c1, "--"] + command, environment: ["LXD_CONF": Testbed.conf]) }
            XCTAssertEqual(ours.status, theirs.status, "\(ours) vs \(theirs)")
            XCTAssertEqual(ours.stderrText, theirs.stderrText, "\(ours) vs \(theirs)")
            XCTAssertEqual(ours.stdoutText, theirs.stdoutText)
        }
    }

    func testUnknownInstance() throws {
        let r = try lxattach(["exec", "lxa-no-such-instance", "--", "true"])
        ExecChecks.assertOwnError(r, contains: "Instance not found")
        XCTAssertEqual(r.stderrText, "Error: Instance not found\n")
    }

    func testStoppedInstance() throws {
        let r = try lxattach(["exec", Testbed.stopped, "--", "true"])
        ExecChecks.assertOwnError(r, contains: "Instance is not running")
        XCTAssertEqual(r.stderrText, "Error: Instance is not running\n")
    }

    func testUnknownRemote() throws {
        let r = try lxattach(["exec", "lxa-no-remote:\(c1)", "--", "true"])
        ExecChecks.assertOwnError(r, contains: "lxa-no-remote")
    }

    func testDaemonUnreachable() throws {
        let r = try lxattach(["exec", c1, "--", "true"], environment: ["LXD_SOCKET": "/nonexistent"], timeout: 20)
        ExecChecks.assertOwnError(r, contains: "/nonexistent")
        XCTAssertLessThan(r.seconds, 10, "\(r)")
    }

    func testMissingCommand() throws {
        for args in [["exec", c1], ["exec", c1, "--"]] {
            let r = try lxattach(args)
            ExecChecks.assertOwnError(r, contains: "Missing command")
        }
    }

    func testForceInteractiveAndNoninteractiveTogether() throws {
        for args in [["exec", c1, "-t", "-T", "--", "true"], ["exec", "-t", "-T", c1, "--", "true"]] {
            let r = try lxattach(args)
            ExecChecks.assertOwnError(r, contains: "-t and -T")
        }
    }
}
