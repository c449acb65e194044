import Foundation
import XCTest

/// A client key other users can read (ssh would refuse it) is warned about once on
/// stderr, naming the file and the fix, and still used: the TLS exec succeeds.
final class ClientKeyPermissionsTests: IntegrationTestCase {
    private var conf = ""

    override func setUpWithError() throws {
        conf = NSTemporaryDirectory() + "lxattach-keyperm-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let copy = try runCommand("cp", ["-a", Testbed.conf, conf], timeout: 10)
        XCTAssertEqual(copy.status, 0, "\(copy)")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: conf)
    }

    private func exec(_ target: String) throws -> CommandResult {
        try lxattach(["exec", target, "--", "echo", "ok"], environment: ["LXD_CONF": conf])
    }

    func testAWorldReadableKeyIsWarnedAboutOnceThenUsed() throws {
        let key = conf + "/client.key"
        XCTAssertEqual(chmod(key, 0o644), 0)
        let r = try exec("\(Testbed.remote):\(Testbed.c1)")
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdoutText, "ok\n")
        XCTAssertEqual(r.stderrText,
                       "Warning: the client key \(key) can be read by other users (mode 0644); using it anyway. Fix: chmod 600 \(key)\n")
    }

    func testAnOwnerOnlyKeyOrAUnixSocketRemoteGivesNoWarning() throws {
        XCTAssertEqual(chmod(conf + "/client.key", 0o600), 0)
        var r = try exec("\(Testbed.remote):\(Testbed.c1)")
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stderrText, "")
        // The unix socket uses no client key: nothing to warn about.
        XCTAssertEqual(chmod(conf + "/client.key", 0o644), 0)
        r = try exec(Testbed.c1)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stderrText, "")
    }
}
