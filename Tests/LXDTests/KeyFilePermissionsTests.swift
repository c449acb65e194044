import Glibc
import XCTest

@testable import LXD

final class KeyFilePermissionsTests: XCTestCase {
    private var path = ""

    override func setUp() {
        path = "/tmp/lxattach-keyperm-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).key"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        close(fd)
    }

    override func tearDown() { unlink(path) }

    private func mode(_ m: mode_t) { XCTAssertEqual(chmod(path, m), 0) }

    func testOwnerOnlyKeysAreFine() {
        for m: mode_t in [0o600, 0o400, 0o700] {
            mode(m)
            XCTAssertNil(KeyFilePermissions.warning(forKeyAt: path), "mode \(String(m, radix: 8))")
        }
    }

    func testKeysOthersCanReachAreWarnedAbout() {
        for (m, shown) in [(mode_t(0o644), "0644"), (0o640, "0640"), (0o604, "0604"), (0o660, "0660")] {
            mode(m)
            XCTAssertEqual(KeyFilePermissions.warning(forKeyAt: path),
                           "Warning: the client key \(path) can be read by other users (mode \(shown)); using it anyway. Fix: chmod 600 \(path)")
        }
    }

    func testAMissingFileIsNotWarnedAbout() {
        XCTAssertNil(KeyFilePermissions.warning(forKeyAt: path + ".missing"))
    }
}
