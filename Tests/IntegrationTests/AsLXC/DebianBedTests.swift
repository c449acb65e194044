// The Debian containers themselves, through the real `lxc` and `incus`: what Ansible
// and the lxc-compatibility tests rely on. Fail (never skip) when Scripts/testbed has
// not made them.
import Foundation
import XCTest

final class DebianBedTests: IntegrationTestCase {
    func testRunningAndStopped() throws {
        let r = try lxc("list", "--format", "csv", "-c", "ns", "^lxa-deb")
        XCTAssertEqual(r.status, 0, "\(r)")
        let expected = DebianBed.running.map { "\($0),RUNNING" } + ["\(DebianBed.stopped),STOPPED"]
        XCTAssertEqual(r.stdoutText.split(separator: "\n").map(String.init).sorted(), expected.sorted(),
                       "see \(DebianBed.log)")
    }

    func testPythonBashAndAReapingInit() throws {
        let r = try lxc("exec", DebianBed.running[0], "--", "bash", "-c",
                        "python3 -c 'print(6*7)'; ps -o comm= -p 1; (sleep 0 &); sleep 0.3; ps -eo stat= | grep -c Z; true")
        XCTAssertEqual(r.status, 0, "\(r)")
        // PID 1 is tini; the orphaned `sleep 0` was reaped: no zombie.
        XCTAssertEqual(r.stdoutText, "42\ntini\n0\n", "\(r)")
    }

    func testUnprivilegedUserWithALoginShell() throws {
        let r = try lxc("exec", DebianBed.running[1], "--", "su", "-", DebianBed.user, "-c", "id; echo $HOME; echo $SHELL")
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdoutText,
                       "uid=1000(user) gid=1000(user) groups=1000(user),2000(users2)\n/home/user\n/bin/bash\n")
    }

    func testIncusHasThemToo() throws {
        let r = try runCommand("incus", ["exec", DebianBed.incusRunning[0], "--", "python3", "-c", "print(7)"],
                               environment: ["INCUS_CONF": nil])
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdoutText, "7\n")
    }
}
