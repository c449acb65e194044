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

    /// One read, one write and a non-blocking reap, each through signals, errors as errno.
    func testReadOnceWriteOnceAndReap() throws {
        let bytes: [UInt8] = Array("hello".utf8)
        XCTAssertEqual(try bytes.withUnsafeBytes { LocalIO.writeOnce(fds[1], $0.baseAddress, $0.count) }.get(), 5)
        var buffer = [UInt8](repeating: 0, count: 16)
        let n = try buffer.withUnsafeMutableBytes { LocalIO.readOnce(fds[0], $0.baseAddress, $0.count) }.get()
        XCTAssertEqual(Array(buffer[0..<n]), bytes)
        close(fds[1])
        fds[1] = -1
        XCTAssertEqual(try buffer.withUnsafeMutableBytes { LocalIO.readOnce(fds[0], $0.baseAddress, $0.count) }.get(), 0, "the end")
        XCTAssertEqual(LocalIO.readOnce(-1, nil, 0), .failure(LocalError(errno: EBADF)))

        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup("sh"), strdup("-c"), strdup("sleep 0.2; exit 3"), nil]
        defer { for p in argv { free(p) } }
        XCTAssertEqual(posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ), 0)
        XCTAssertEqual(LocalIO.reap(pid), .success(nil), "still running")
        var status: Int32?
        let deadline = Date().addingTimeInterval(5)
        while status == nil, Date() < deadline {
            status = try LocalIO.reap(pid).get()
            usleep(10_000)
        }
        XCTAssertEqual(status.map { ($0 >> 8) & 0xFF }, 3)
        XCTAssertEqual(LocalIO.reap(pid), .failure(LocalError(errno: ECHILD)), "reaped already")
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
