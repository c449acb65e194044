// The test bed itself, through the real daemon and the real `lxc`, and the
// harness in Support/. These fail (never skip) when the daemon is not there:
// run Scripts/testbed first (Scripts/test does).
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class TestbedTests: IntegrationTestCase {
    /// `name,STATUS` of one instance, through the unix socket.
    private func status(of instance: String) throws -> String {
        let r = try lxc("list", "--format", "csv", "-c", "ns", "^\(instance)$")
        XCTAssertEqual(r.status, 0, "\(r)")
        return r.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func testDaemonAnswersOnTheUnixSocket() throws {
        let r = try lxc("query", "/1.0")
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertTrue(r.stdoutText.contains("\"auth\": \"trusted\""), "\(r)")
        XCTAssertEqual(access(Testbed.socket, F_OK), 0, "no socket at \(Testbed.socket)")
    }

    func testRunningAndStoppedInstances() throws {
        XCTAssertEqual(try status(of: Testbed.c1), "\(Testbed.c1),RUNNING")
        XCTAssertEqual(try status(of: Testbed.c2), "\(Testbed.c2),RUNNING")
        XCTAssertEqual(try status(of: Testbed.stopped), "\(Testbed.stopped),STOPPED")
    }

    func testExecOverTheUnixSocketKeepsTheExitStatus() throws {
        let r = try lxc("exec", Testbed.c1, "--", "sh", "-c", "echo hi; echo err >&2; exit 7")
        XCTAssertEqual(r.status, 7, "\(r)")
        XCTAssertEqual(r.stdoutText, "hi\n")
        XCTAssertEqual(r.stderrText, "err\n")
    }

    func testImageHasTheUnprivilegedUserAndGroup() throws {
        let r = try lxc(
            "exec", Testbed.c1, "--user", "\(Testbed.uid)", "--group", "\(Testbed.extraGID)",
            "--cwd", Testbed.home, "--", "sh", "-c", "id; pwd")
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(
            r.stdoutText,
            "uid=\(Testbed.uid)(\(Testbed.user)) gid=\(Testbed.extraGID)(\(Testbed.extraGroup))\n\(Testbed.home)\n")
    }

    func testTLSRemoteWorksWithTheRealLxc() throws {
        let r = try lxc("exec", "\(Testbed.remote):\(Testbed.c1)", "--", "sh", "-c", "id -u; exit 3")
        XCTAssertEqual(r.status, 3, "\(r)")
        XCTAssertEqual(r.stdoutText, "0\n")
        let q = try lxc("query", "\(Testbed.remote):/1.0")
        XCTAssertEqual(q.status, 0, "\(q)")
        XCTAssertTrue(q.stdoutText.contains("\"auth\": \"trusted\""), "\(q)")
        // The pin is the daemon's own certificate.
        XCTAssertEqual(
            FileManager.default.contents(atPath: Testbed.conf + "/servercerts/tls.crt"),
            FileManager.default.contents(atPath: Testbed.serverCert))
    }

    func testUntrustedClientCertificateIsRefused() throws {
        let r = try lxc("exec", "\(Testbed.remote):\(Testbed.c1)", "--", "true", conf: Testbed.confUntrusted)
        XCTAssertEqual(r.status, 1, "\(r)")
        XCTAssertTrue(r.stderrText.contains("not authorized"), "\(r)")
    }

    func testWrongPinAndNoPinFailVerification() throws {
        for conf in [Testbed.confBadPin, Testbed.confNoPin] {
            let r = try lxc("exec", "\(Testbed.remote):\(Testbed.c1)", "--", "true", conf: conf)
            XCTAssertEqual(r.status, 1, "\(conf): \(r)")
            XCTAssertTrue(r.stderrText.contains("certificate"), "\(conf): \(r)")
        }
        XCTAssertEqual(access(Testbed.confNoPin + "/servercerts", F_OK), -1)
        XCTAssertNotEqual(
            FileManager.default.contents(atPath: Testbed.confBadPin + "/servercerts/tls.crt"),
            FileManager.default.contents(atPath: Testbed.serverCert))
    }
}

final class HarnessTests: IntegrationTestCase {
    func testFindsTheBuiltExecutables() throws {
        let dir = try Built.directory()
        let lxattach = try Built.lxattach()
        let config = try Built.lxattachConfig()
        XCTAssertEqual(lxattach, dir + "/lxattach")
        XCTAssertEqual(config, dir + "/lxattach-config")
        let r = try runCommand(lxattach, ["--version"], timeout: 30)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertFalse(r.stdout.isEmpty, "\(r)")
    }

    func testTimeoutKillsTheWholeProcessGroup() throws {
        // The child starts a grandchild that also holds stdout, then hangs.
        let r = try runCommand(
            "sh", ["-c", "sleep 300 & echo $!; sleep 300"], timeout: 1, failOnTimeout: false)
        XCTAssertTrue(r.timedOut, "\(r)")
        XCTAssertEqual(r.signal, SIGKILL, "\(r)")
        XCTAssertNil(r.status)
        XCTAssertLessThan(r.seconds, 5, "\(r)")
        let grandchild = try XCTUnwrap(Int32(r.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)), "\(r)")
        // Gone, or a zombie waiting for its (re)parent to reap it.
        waitUntil("grandchild \(grandchild) to die") {
            guard let stat = try? String(contentsOfFile: "/proc/\(grandchild)/stat", encoding: .utf8) else { return true }
            return stat.split(separator: ")").last?.trimmingCharacters(in: .whitespaces).hasPrefix("Z") ?? false
        }
    }

    func testStdinBytesEnvironmentAndExitStatus() throws {
        let r = try withEnvironment(["LXATTACH_HARNESS_DROP": "x"]) {
            try runCommand(
                "sh", ["-c", "cat; echo \"$FOO ${LXATTACH_HARNESS_DROP-unset}\"; echo e >&2; exit 3"],
                environment: ["FOO": "bar", "LXATTACH_HARNESS_DROP": nil], stdin: .text("abc"))
        }
        XCTAssertNil(getenv("LXATTACH_HARNESS_DROP"), "an unset variable is unset again")
        setenv("LXATTACH_HARNESS_KEEP", "before", 1)
        defer { unsetenv("LXATTACH_HARNESS_KEEP") }
        withEnvironment(["LXATTACH_HARNESS_KEEP": nil]) { XCTAssertNil(getenv("LXATTACH_HARNESS_KEEP")) }
        XCTAssertEqual(getenv("LXATTACH_HARNESS_KEEP").map { String(cString: $0) }, "before", "a set variable is back")
        XCTAssertEqual(r.status, 3, "\(r)")
        XCTAssertEqual(r.stdoutText, "abcbar unset\n")
        XCTAssertEqual(r.stderrText, "e\n")
    }

    func testLargeStdinRoundTripsWithoutDeadlock() throws {
        let input = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let r = try runCommand("cat", [], stdin: .bytes(input), timeout: 30)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdout.count, input.count)
        XCTAssertTrue(r.stdout == input)
    }

    func testStdinFromAFileAndWorkingDirectory() throws {
        let path = NSTemporaryDirectory() + "/lxattach-harness-\(getpid())"
        try Data("one\ntwo\n".utf8).write(to: URL(fileURLWithPath: path))
        defer { unlink(path) }
        let r = try runCommand("sh", ["-c", "wc -l; pwd"], stdin: .file(path), directory: "/tmp")
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdoutText.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }, ["2", "/tmp"])
    }

    func testSignalDeathIsReported() throws {
        let r = try runCommand("sh", ["-c", "kill -TERM $$"])
        XCTAssertEqual(r.signal, SIGTERM, "\(r)")
        XCTAssertNil(r.status)
        XCTAssertEqual(r.shellStatus, 143)
        XCTAssertFalse(r.timedOut)
    }

    func testMissingExecutableThrows() {
        XCTAssertThrowsError(try runCommand("lxattach-no-such-program-\(getpid())"))
    }

    /// In-process library tests load the config as the children do, with the fresh
    /// HOME and XDG_CACHE_HOME: the caller's ~/.cache/lxattach is left alone.
    func testLibraryTestsLeaveTheCallersHomeAlone() throws {
        let callers = NSTemporaryDirectory() + "lxattach-callers-home-\(getpid())"
        try FileManager.default.createDirectory(atPath: callers, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: callers) }
        try withEnvironment(["HOME": callers, "XDG_CACHE_HOME": nil]) {
            _ = try libraryRemote()
            _ = try libraryRemote(Testbed.remote)
        }
        let left = FileManager.default.subpaths(atPath: callers) ?? []
        XCTAssertEqual(left, [], "written into the caller's HOME")
        let cache = IsolatedHome.directory + "/cache/lxattach"
        let cached = (try? FileManager.default.contentsOfDirectory(atPath: cache)) ?? []
        XCTAssertTrue(cached.contains { $0.hasPrefix("config-") }, "the config cache is in the tests' own HOME: \(cached)")
    }

    /// A reference that lost the daemon is run again (bounded) and says so; any other
    /// failure is the reference's answer and is not.
    func testAReferenceIsRunAgainOnlyWhenItLostTheDaemon() throws {
        func result(_ status: Int32, _ stderr: String) -> CommandResult {
            CommandResult(command: ["lxc", "operation", "list"], status: status, signal: nil, stdout: [],
                          stderr: Array(stderr.utf8), timedOut: false, seconds: 0)
        }
        var runs = 0
        let recovered = reference(pause: 0) {
            runs += 1
            return runs < 3 ? result(1, "Error: Get \"http://unix.socket/1.0/operations\": EOF\n") : result(0, "")
        }
        XCTAssertEqual(runs, 3)
        XCTAssertEqual(recovered.status, 0)
        XCTAssertTrue("\(recovered)".contains("the reference client was run 3 times"), "\(recovered)")
        XCTAssertTrue("\(recovered)".contains("EOF"), "\(recovered)")

        runs = 0
        let lost = reference(pause: 0) {
            runs += 1
            return result(1, "Error: read: connection reset by peer\n")
        }
        XCTAssertEqual(runs, Reference.attempts, "bounded")
        XCTAssertEqual(lost.status, 1)

        runs = 0
        let refused = reference(pause: 0) {
            runs += 1
            return result(1, "Error: Operation not found\n")
        }
        XCTAssertEqual(runs, 1, "the reference's own answer is not retried")
        XCTAssertNil(refused.note)
    }

    func testWaitUntilReturnsOnceTheConditionHolds() {
        var n = 0
        let ok = waitUntil("n to reach 3", timeout: 5, interval: 0.01) {
            n += 1
            return n >= 3
        }
        XCTAssertTrue(ok)
        XCTAssertEqual(n, 3)
    }
}
