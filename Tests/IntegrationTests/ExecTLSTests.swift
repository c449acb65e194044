// A representative subset of ExecTests over https (`tls:lxa-c1`: client
// certificate, pinned server certificate, LXD_CONF = the test bed's conf/).
// The signal case is in ExecSignalTests.testSIGUSR1IsForwardedOverTLS.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class ExecTLSTests: IntegrationTestCase {
    private let target = "\(Testbed.remote):\(Testbed.c1)"

    /// Every connection of a set-up opens at once (the websockets' TLS handshakes run
    /// while the POST is in flight), and a later session of the same process resumes the
    /// TLS session on all five (`--parallel 1`: the second starts after the first ended).
    func testSetUpOpensEveryConnectionAtOnceAndLaterSessionsResume() throws {
        // A cache folder of its own: no session kept by another test's process.
        let cache = NSTemporaryDirectory() + "lxattach-resume-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let r = try lxattach(["--debug", "exec", "\(Testbed.remote):lxa-f[01-02]", "--parallel", "1", "--", "true"],
                             environment: ["XDG_CACHE_HOME": cache])
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stderrText.components(separatedBy: "(set-up: 5 connections at once)").count - 1, 2, r.stderrText)
        XCTAssertEqual(r.stderrText.components(separatedBy: ", session resumed").count - 1, 5, r.stderrText)
    }

    /// The TLS session is kept in the cache folder (mode 0600): the next process resumes
    /// it on every connection. A different pin (conf-badpin) never resumes it.
    func testTheNextProcessResumesTheKeptSession() throws {
        let cache = NSTemporaryDirectory() + "lxattach-session-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: cache) }
        let env: [String: String?] = ["XDG_CACHE_HOME": cache]
        let first = try lxattach(["--debug", "exec", target, "--", "true"], environment: env)
        XCTAssertEqual(first.status, 0, "\(first)")
        XCTAssertFalse(first.stderrText.contains("session resumed"), "\(first)")
        let files = try FileManager.default.contentsOfDirectory(atPath: cache + "/lxattach").filter { $0.hasPrefix("tls-") }
        XCTAssertEqual(files.count, 1, "\(files)")
        let mode = try FileManager.default.attributesOfItem(atPath: cache + "/lxattach/" + files[0])[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        let second = try lxattach(["--debug", "exec", target, "--", "true"], environment: env)
        XCTAssertEqual(second.status, 0, "\(second)")
        XCTAssertEqual(second.stderrText.components(separatedBy: ", session resumed").count - 1, 5, "\(second)")
        var badpin = env
        badpin["LXD_CONF"] = Testbed.directory + "/conf-badpin"
        let refused = try lxattach(["exec", target, "--", "true"], environment: badpin)
        XCTAssertEqual(refused.status, 255, "a wrong pin still fails: \(refused)")
    }

    func testExitStatusesOverTLS() throws {
        try ExecChecks.exitStatuses(target)
    }

    func testStdoutAndStderrStaySeparateOverTLS() throws {
        try ExecChecks.outputSeparation(target)
    }

    func testSerialRoundTripsOverTLS() throws {
        try ExecChecks.serialRoundTrips(target, count: 10)
    }

    func testConcurrentRoundTripsOverTLS() throws {
        try ExecChecks.concurrentRoundTrips(target, count: 10)
    }

    func testEnvironmentCwdUserAndGroupOverTLS() throws {
        try ExecChecks.environmentAndIdentity(target)
    }

    func testStdinEOFReachesTheCommandOverTLS() throws {
        try ExecChecks.stdinEOFEndsCat(target)
    }

    func testDisableStdinOverTLS() throws {
        let child = try LiveChild(["exec", target, "-n", "--", "sh", "-c", "cat; echo eof"])
        guard child.wait(timeout: 10) else { return }
        XCTAssertEqual(child.status, 0, "\(child)")
        XCTAssertEqual(child.stdoutText, "eof\n", "\(child)")
        child.closeStdin()
    }

    func testBinaryRoundTripsOverTLS() throws {
        try ExecChecks.binaryRoundTrips(target, count: 3 << 20)
    }

    func testUnknownAndStoppedInstanceOverTLS() throws {
        let unknown = try lxattach(["exec", "\(Testbed.remote):lxa-no-such-instance", "--", "true"])
        ExecChecks.assertOwnError(unknown, contains: "Instance not found")
        let stopped = try lxattach(["exec", "\(Testbed.remote):\(Testbed.stopped)", "--", "true"])
        ExecChecks.assertOwnError(stopped, contains: "Instance is not running")
    }

    func testBrokenPipeOverTLSIs141() throws {
        let l = try Built.lxattach()
        let r = try runCommand(
            "bash", ["-c", "'\(l)' exec \(target) -- sh -c yes | head -c 10 >/dev/null; echo \"${PIPESTATUS[0]}\""],
            environment: ["LXD_CONF": Testbed.conf], timeout: 20)
        XCTAssertEqual(r.stdoutText, "141\n", "\(r)")
        XCTAssertEqual(r.stderrText, "", "\(r)")
        XCTAssertLessThan(r.seconds, 5, "\(r)")
    }

    /// LXD 5.0 pings every exec websocket as it connects and never reads stderr's: a pong
    /// there made the daemon's close a TCP reset that dropped the output still in flight
    /// (16 KB to 3.5 MB of 50 MB in 4 of 6 runs on a busy machine; `lxc exec` too). Both
    /// streams arrive whole, with two CPU hogs beside (the loss needed a busy machine).
    func testLargeOutputArrivesWholeOverTLSOnABusyMachine() throws {
        let l = try Built.lxattach()
        // Two busy loops, ended by PID when the test ends (BackgroundProcess's deinit).
        let hogs = try (0..<2).map { _ in try BackgroundProcess("/bin/sh", ["-c", "while :; do :; done"], environment: [:]) }
        defer { withExtendedLifetime(hogs) {} }
        // (stream, redirection in the container, what reaches wc locally)
        for (name, inside, local) in [("stderr", " >&2", "2>&1 >/dev/null"), ("stdout", "", "2>/dev/null")] {
            let script = "'\(l)' exec \(target) -- sh -c 'head -c 50000000 /dev/zero\(inside)' \(local)"
                + " | wc -c; echo \"${PIPESTATUS[0]}\""
            for run in 1...4 {
                let r = try runCommand("bash", ["-c", script], environment: ["LXD_CONF": Testbed.conf], timeout: 60)
                XCTAssertEqual(r.stdoutText, "50000000\n0\n", "\(name), run \(run): \(r)")
            }
        }
    }
}
