import Foundation
import XCTest

/// Faults around a running session that the exec engine must ride out or end in
/// bounded time, against real daemons.
final class EngineFaultTests: IntegrationTestCase {
    /// The command never reads its input: stdin backs up (the daemon stops reading
    /// fd 0, we stop reading ours) and the session still ends with the command.
    func testACommandThatNeverReadsStdinStillEnds() throws {
        let bin = try Built.lxattach()
        let r = try runCommand("/bin/sh", ["-c", "exec \"$0\" exec \(Testbed.c1) -- sh -c 'sleep 2; exit 4' < /dev/zero", bin],
                               environment: ["LXD_CONF": Testbed.conf], timeout: 30)
        XCTAssertFalse(r.timedOut, "\(r)")
        XCTAssertEqual(r.status, 4, "\(r)")
        XCTAssertEqual(r.stderrText, "")
    }

    /// The daemon's socket file disappears mid-session (a package upgrade, a careless
    /// `rm`): every connection the session needs is already open, so it ends normally.
    /// A cluster member's socket is used, with the cluster script's lock held, so no
    /// other test and no test bed run meets the missing file.
    func testTheSocketFileRemovedMidSessionDoesNotEndIt() throws {
        let member = ClusterBed.members[1]
        let socket = member.folder + "/unix.socket"
        let lock = open(ClusterBed.lock, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        XCTAssertGreaterThanOrEqual(lock, 0)
        defer { close(lock) }
        waitUntil("the cluster lock", timeout: 120, interval: 0.1) { flock(lock, LOCK_EX | LOCK_NB) == 0 }
        let child = try LiveChild(["exec", member.instance, "--", "sh", "-c", "sleep 2; echo done; exit 3"],
                                  environment: ["LXD_CONF": Testbed.conf, "LXD_SOCKET": socket])
        usleep(700_000)
        XCTAssertEqual(rename(socket, socket + ".moved"), 0)
        defer { rename(socket + ".moved", socket) }
        child.wait(timeout: 20)
        XCTAssertEqual(child.status, 3, "\(child)")
        XCTAssertEqual(child.stdoutText, "done\n")
        XCTAssertEqual(child.stderrText, "")
    }

    /// LXD 5.0.2 and Incus 6.0 both refuse to cancel an exec operation; the refusal
    /// leaves the session untouched (OperationTests covers LXD): here Incus.
    func testARefusedCancelLeavesAnIncusSessionRunning() throws {
        let env: [String: String?] = ["INCUS_CONF": Testbed.incusConf]
        let child = try LiveChild(["--incus", "exec", Testbed.incusC1, "--", "sh", "-c", "sleep 2; exit 6"],
                                  environment: ["INCUS_CONF": Testbed.incusConf])
        var id = ""
        try waitUntil("the exec operation in incus operation list", timeout: 10) {
            let list = try runCommand("incus", ["operation", "list", "--format", "csv"], environment: env, timeout: 10)
            id = list.stdoutText.split(separator: "\n").first { $0.contains("Executing command") && $0.contains("RUNNING") }
                .map { String($0.split(separator: ",")[0]) } ?? ""
            return !id.isEmpty
        }
        let cancel = try runCommand("incus", ["operation", "delete", id], environment: env, timeout: 10)
        XCTAssertNotEqual(cancel.status, 0, "\(cancel)")
        XCTAssertTrue(cancel.stderrText.contains("can't be cancelled"), "\(cancel)")
        child.wait(timeout: 20)
        XCTAssertEqual(child.status, 6, "\(child)")
    }
}
