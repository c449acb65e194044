import Foundation
import Glibc
import Transport
import XCTest

/// LocalIO's waits: one descriptor's readiness (with a signal ending it early) and a
/// child's exit through signals.
final class LocalIOTests: XCTestCase {
    private var fds: [Int32] = [-1, -1]

    override func setUp() {
        XCTAssertEqual(pipe(&fds), 0)
    }

    override func tearDown() {
        for fd in fds where fd >= 0 { close(fd) }
    }

    func testWaitTimesOutThenSeesData() throws {
        XCTAssertEqual(try LocalIO.wait(fds[0], for: Int16(POLLIN), timeoutMilliseconds: 50), .timedOut)
        XCTAssertEqual(write(fds[1], "x", 1), 1)
        XCTAssertEqual(try LocalIO.wait(fds[0], for: Int16(POLLIN), timeoutMilliseconds: 1000), .ready)
    }

    func testASignalEndsTheWait() throws {
        var handler = sigaction()
        handler.__sigaction_handler.sa_handler = { _ in }
        var old = sigaction()
        sigaction(SIGUSR2, &handler, &old)
        defer { sigaction(SIGUSR2, &old, nil) }
        let target = pthread_self()
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.1) { pthread_kill(target, SIGUSR2) }
        XCTAssertEqual(try LocalIO.wait(fds[0], for: Int16(POLLIN), timeoutMilliseconds: 5000), .interrupted)
    }

    func testWaitForExitGivesTheStatusThroughSignals() throws {
        var handler = sigaction()
        handler.__sigaction_handler.sa_handler = { _ in }
        var old = sigaction()
        sigaction(SIGUSR2, &handler, &old)
        defer { sigaction(SIGUSR2, &old, nil) }
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = ["/bin/sh", "-c", "sleep 0.3; exit 7"].map { (s: String) in strdup(s) } + [nil]
        defer { for p in argv { free(p) } }
        XCTAssertEqual(posix_spawn(&pid, "/bin/sh", nil, nil, argv, nil), 0)
        let target = pthread_self()
        for delay in [0.05, 0.1, 0.15, 0.2] {
            DispatchQueue.global().asyncAfter(deadline: .now() + delay) { pthread_kill(target, SIGUSR2) }
        }
        let status = LocalIO.waitForExit(pid)
        XCTAssertEqual(status.map { ($0 >> 8) & 0xFF }, 7)
        XCTAssertNil(LocalIO.waitForExit(pid), "reaped: no such child any more")
    }
}
