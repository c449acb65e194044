// `lxattach --incus` (and LXATTACH_FLAVOR=incus) against a real Incus daemon
// (Scripts/testbed-incus: Incus 6.0 beside LXD 5.0.2, instance ia-c1), compared with
// the real `incus` client where the two can be compared. lxattach gets an empty
// INCUS_CONF folder: its `local` remote is then Incus's unix socket. These tests
// fail (never skip) when the Incus test bed is missing: run Scripts/testbed.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class IncusTests: IncusTestCase {
    // MARK: the test bed

    func testIncusDaemonAndInstanceAreThere() throws {
        let q = try incus(["query", "/1.0"])
        XCTAssertEqual(q.status, 0, "\(q)")
        XCTAssertTrue(q.stdoutText.contains("\"auth\": \"trusted\""), "\(q)")
        XCTAssertTrue(q.stdoutText.contains("\"server\": \"incus\""), "\(q)")
        let list = try incus(["list", "--format", "csv", "-c", "ns", "^\(c1)$"])
        XCTAssertEqual(list.stdoutText, "\(c1),RUNNING\n", "\(list)")
        // lxattach's own view of the remote: Incus, not LXD, over the unix socket.
        for via in Via.allCases {
            let info = try incattach(["info"], via: via)
            XCTAssertEqual(info.status, 0, "\(info)")
            XCTAssertTrue(info.stdoutText.hasPrefix("local: incus 6."), "\(info)")
        }
    }

    /// Each flavor reaches its own daemon: Incus's instance is unknown to LXD and
    /// LXD's to Incus (so a passing Incus test really talked to Incus).
    func testFlavorsReachTheirOwnDaemon() throws {
        let viaLXD = try lxattach(["exec", c1, "--", "true"])
        ExecChecks.assertOwnError(viaLXD, contains: "not found")
        let viaIncus = try incattach(["exec", Testbed.c1, "--", "true"])
        ExecChecks.assertOwnError(viaIncus, contains: "not found")
        let ok = try incattach(["exec", c1, "--", "hostname"], via: .environment)
        XCTAssertEqual(ok.status, 0, "\(ok)")
        XCTAssertEqual(ok.stdoutText, "\(c1)\n", "\(ok)")
    }

    // MARK: exec, compared with `incus exec`

    /// 0, 7, not executable, not found, killed by TERM, 300 → 44: the real `incus exec`
    /// status and message, and lxattach gives the same (by flag and by environment).
    func testExitStatusesAndMessagesMatchIncusExec() throws {
        let cases: [(command: [String], status: Int32)] = [
            (["true"], 0),
            (["sh", "-c", "exit 7"], 7),
            (["/etc/passwd"], 126),
            (["/nonexistent"], 127),
            (["sh", "-c", "kill -TERM $$"], 143),
            (["sh", "-c", "exit 300"], 44),
        ]
        for c in cases {
            let real = try reference { try incus(["exec", c1, "--"] + c.command) }
            XCTAssertEqual(real.status, c.status, "what incus does: \(real)")
            for via in Via.allCases {
                let r = try incattach(["exec", c1, "--"] + c.command, via: via)
                XCTAssertEqual(r.status, real.status, "\(r) vs \(real)")
                XCTAssertEqual(r.stderrText, real.stderrText, "\(r) vs \(real)")
                XCTAssertEqual(r.stdout, [], "\(r)")
            }
        }
    }

    func testStdoutAndStderrStaySeparate() throws {
        let s = SeparationScript(count: 300, then: "exit 3")
        let r = try incattach(["exec", c1, "--", "sh", "-c", s.script])
        s.assertCarried(by: r, status: 3)
        let real = try reference { try incus(["exec", c1, "--", "sh", "-c", s.script]) }
        XCTAssertEqual(real.stdout, r.stdout, "incus: \(real)")
        XCTAssertEqual(real.stderr, r.stderr, "incus: \(real)")
    }

    func testStdinEOFReachesCat() throws {
        let r = try incattach(["exec", c1, "--", "sh", "-c", "cat; echo end"], stdin: .text("no newline"))
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdoutText, "no newlineend\n", "\(r)")
        let empty = try incattach(["exec", c1, "--", "wc", "-c"], via: .environment)
        XCTAssertEqual(empty.status, 0, "\(empty)")
        XCTAssertEqual(empty.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "0", "\(empty)")
    }

    /// 2 MiB of random bytes through `cat`, and the container's sha256 of them.
    func testTwoMiBBinaryRoundTrip() throws {
        let data = try ExecChecks.randomBytes(2 << 20)
        let file = NSTemporaryDirectory() + "lxa-incus-bin-\(getpid())"
        try Data(data).write(to: URL(fileURLWithPath: file))
        defer { try? FileManager.default.removeItem(atPath: file) }
        let echo = try incattach(["exec", c1, "--", "cat"], stdin: .file(file), timeout: 60)
        XCTAssertEqual(echo.status, 0, "\(echo)")
        XCTAssertEqual(echo.stdout.count, data.count)
        XCTAssertTrue(echo.stdout == data, "bytes through cat differ")
        let sum = try incattach(["exec", c1, "--", "sha256sum"], via: .environment, stdin: .bytes(data), timeout: 60)
        XCTAssertEqual(sum.status, 0, "\(sum)")
        XCTAssertEqual(String(sum.stdoutText.prefix(64)), try ExecChecks.sha256(data), "\(sum)")
    }

    /// --env, --cwd, --user, --group: the command sees exactly what it sees under
    /// `incus exec` with the same flags (whole environment included).
    func testEnvironmentCwdUserAndGroupMatchIncusExec() throws {
        let show = ["--", "sh", "-c", "id; pwd; env | sort"]
        let flagSets: [[String]] = [
            ["--env", "FOO=bar"],
            ["--env", "FOO=bar", "--cwd", Testbed.home, "--user", "\(Testbed.uid)", "--group", "\(Testbed.extraGID)"],
        ]
        for flags in flagSets {
            let r = try incattach(["exec", c1] + flags + show)
            XCTAssertEqual(r.status, 0, "\(r)")
            XCTAssertTrue(r.stdoutText.contains("\nFOO=bar\n"), "\(r)")
            let real = try reference { try incus(["exec", c1] + flags + show) }
            XCTAssertEqual(real.status, 0, "\(real)")
            XCTAssertEqual(r.stdoutText, real.stdoutText, "flags \(flags)")
        }
        let who = try incattach(["exec", c1, "--cwd", Testbed.home, "--user", "\(Testbed.uid)", "--group",
                                 "\(Testbed.extraGID)", "--", "sh", "-c", "id; pwd"], via: .environment)
        XCTAssertEqual(who.stdoutText, "uid=\(Testbed.uid)(\(Testbed.user)) gid=\(Testbed.extraGID)(\(Testbed.extraGroup))\n\(Testbed.home)\n", "\(who)")
    }

    /// `printf 'x\n' | incattach exec -t ia-c1 -- sh -c 'read l; echo "got $l"; exit 5'`:
    /// the whole transcript, with no retry (Incus does not lose the PTY's last output, unlike
    /// LXD 5.0.2), and the same as `incus exec -t` gives.
    func testForcedTTYWithPipedStdin() throws {
        let command = ["exec", "-t", c1, "--", "sh", "-c", "read l; echo \"got $l\"; exit 5"]
        try assertForcedPTYTranscript(lxdLostTail: false, status: 5, transcript: "x\r\ngot x\r\n") {
            try incattach(command, stdin: .text("x\n"))
        }
        let real = try incus(command, stdin: .text("x\n"))
        XCTAssertEqual(real.status, 5, "\(real)")
        XCTAssertEqual(real.stdoutText, "x\r\ngot x\r\n", "\(real)")
    }

    /// Incus (like LXD ≥ 5.20) stops reading output about 1 s after the main process
    /// exits: a background child's later output is dropped and the exec does not wait
    /// for it (LXD 5.0.2 waits for the pipe's end). lxattach behaves as `incus` does.
    func testBackgroundChildDoesNotHoldTheExecLikeIncus() throws {
        let command = ["--", "sh", "-c", "(sleep 3; echo late) & echo now"]
        let r = try incattach(["exec", c1] + command, timeout: 20)
        XCTAssertEqual(r.status, 0, "\(r)")
        // Had the exec waited for the pipe's end, "late" would be there.
        XCTAssertEqual(r.stdoutText, "now\n", "\(r)")
        let real = try reference { try incus(["exec", c1] + command, timeout: 20) }
        XCTAssertEqual(real.stdoutText, r.stdoutText, "\(real)")
    }

    /// Incus sends a keepalive ping on every exec socket 10 s after the upgrade, on the
    /// unix socket too: a session idle past it still carries stdin and output both ways.
    func testSessionOutlivesTheFirstKeepalivePings() throws {
        let child = try liveIncattach(["exec", c1, "--", "sh", "-c", "echo ready; read x; echo got $x; echo err >&2; exit 4"])
        guard child.readStdout(until: "ready\n") else { return }
        usleep(11_000_000)
        try child.write("late\n")
        child.closeStdin()
        guard child.wait(timeout: 10) else { return }
        XCTAssertEqual(child.status, 4, "\(child)")
        XCTAssertEqual(child.stdoutText, "ready\ngot late\n", "\(child)")
        XCTAssertEqual(child.stderrText, "err\n", "\(child)")
    }

    // MARK: signals and operations

    /// SIGTERM to lxattach reaches `sleep`, which dies of it: 143, nothing on stderr.
    func testSIGTERMIsForwarded() throws {
        try assertSIGTERMForwarded(["--incus", "exec", c1], environment: ["INCUS_CONF": Self.emptyConf])
    }

    /// While an exec runs, `lxattach --incus operation list` shows its operation with
    /// the id that `incus operation list` shows, and `operation show` finds it.
    func testOperationListShowsTheRunningExecLikeIncus() throws {
        let marker = "lxa-incus-ops-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())"
        let child = try liveIncattach(["exec", c1, "--", "sh", "-c", "echo ready; cat >/dev/null; : \(marker)"])
        // Ended by EOF on its input: nothing (no `sleep`) is left in the instance.
        defer { child.closeStdin(); child.wait(timeout: 10) }
        guard child.readStdout(until: "ready\n") else { return }
        let ours = runningExecIDs(try incattach(["operation", "list", "--format", "json"]), marker)
        let theirs = runningExecIDs(try reference { try incus(["operation", "list", "--format", "json"]) }, marker)
        XCTAssertEqual(ours.count, 1, "ours: \(ours)")
        XCTAssertEqual(ours, theirs)
        guard let id = ours.first else { return }
        let table = try incattach(["operation", "list"], via: .environment)
        XCTAssertTrue(table.stdoutText.contains(id), "\(table)")
        let show = try incattach(["operation", "show", "--format", "json", id])
        XCTAssertEqual(show.status, 0, "\(show)")
        let op = OpsParse.json(show.stdoutText) as? [String: Any]
        XCTAssertEqual(op?["id"] as? String, id, "\(show)")
        XCTAssertEqual(op?["status"] as? String, "Running", "\(show)")

        child.signal(SIGTERM)
        guard child.wait(timeout: 10) else { return }
        XCTAssertEqual(child.status, 143, "\(child)")
    }

    // MARK: errors and load

    /// An unknown instance: Incus's own message on one `Error:` line, status 255
    /// (`incus` prints the same line and exits 1).
    func testUnknownInstanceIsOneErrorLine() throws {
        let name = "ia-missing-\(getpid())"
        let r = try incattach(["exec", name, "--", "true"])
        ExecChecks.assertOwnError(r, contains: "Instance not found")
        let real = try reference { try incus(["exec", name, "--", "true"]) }
        XCTAssertEqual(real.status, 1, "\(real)")
        XCTAssertEqual(r.stderrText, real.stderrText, "\(r) vs \(real)")
    }

    /// 10 round trips at once, each with its own stdin and exit status.
    func testTenConcurrentRoundTrips() throws {
        let count = 10
        let dir = NSTemporaryDirectory() + "lxa-incus-concurrent-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        for i in 0..<count {
            try Data(String(repeating: "\(i);", count: 4096 + i).utf8).write(to: URL(fileURLWithPath: "\(dir)/\(i)"))
        }
        let results = ResultBox(count: count)
        let conf = Self.emptyConf
        DispatchQueue.concurrentPerform(iterations: count) { i in
            let r = Result {
                try lxattach(["--incus", "exec", Testbed.incusC1, "--", "sh", "-c", "cat; exit \(i + 10)"],
                             environment: ["INCUS_CONF": conf], stdin: .file("\(dir)/\(i)"), timeout: 60,
                             failOnTimeout: false)
            }
            results.set(i, r)
        }
        for i in 0..<count {
            guard let r = try results.get(i).get() else { XCTFail("no result \(i)"); continue }
            XCTAssertFalse(r.timedOut, "round trip \(i) hung: \(r)")
            XCTAssertEqual(r.status, Int32(i + 10), "round trip \(i): \(r)")
            XCTAssertEqual(r.stdoutText, String(repeating: "\(i);", count: 4096 + i), "round trip \(i): \(r)")
            XCTAssertEqual(r.stderrText, "", "round trip \(i): \(r)")
        }
    }

    /// The LXD exec battery (ExecChecks) unchanged, with lxattach made the Incus client
    /// by LXATTACH_FLAVOR=incus in the environment it inherits.
    func testLXDExecChecksPassAgainstIncusByEnvironment() throws {
        try withEnvironment(["LXATTACH_FLAVOR": "incus", "INCUS_CONF": Self.emptyConf]) {
            try ExecChecks.exitStatuses(c1)
            try ExecChecks.outputSeparation(c1)
            try ExecChecks.serialRoundTrips(c1, count: 5)
            try ExecChecks.environmentAndIdentity(c1)
            try ExecChecks.stdinEOFEndsCat(c1)
            try ExecChecks.binaryRoundTrips(c1, count: 256 << 10)
        }
    }
}
