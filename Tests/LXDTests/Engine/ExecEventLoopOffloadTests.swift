import Glibc
import Synchronization
import XCTest

@testable import LXD

/// `ExecEventLoop.offload` without a daemon: the work runs on other threads, its result
/// comes back on the loop's thread, the loop goes on meanwhile and waits for it before
/// `run()` returns, and at most `offloadLimit` run at once.
final class ExecEventLoopOffloadTests: XCTestCase {
    /// Waits (up to 10 s) until `condition` holds; returns whether it did.
    private static func waitFor(_ condition: () -> Bool) -> Bool {
        for _ in 0..<10_000 {
            if condition() { return true }
            usleep(1000)
        }
        return condition()
    }

    func testTheResultComesBackOnTheLoopsThreadBeforeRunReturns() throws {
        let loop = ExecEventLoop()
        let workThread = Mutex<pthread_t?>(nil)
        var got: (value: Int, thread: pthread_t)?
        loop.offload({ () -> Int in
            workThread.withLock { $0 = pthread_self() }
            usleep(20_000)
            return 42
        }) { got = ($0, pthread_self()) }
        XCTAssertEqual(loop.activeCount, 1, "counted until its result is back")
        try loop.run()
        let result = try XCTUnwrap(got, "run() returned before the result was back")
        XCTAssertEqual(result.value, 42)
        XCTAssertNotEqual(pthread_equal(result.thread, pthread_self()), 0, "done runs on the loop's thread")
        let worker = try XCTUnwrap(workThread.withLock { $0 })
        XCTAssertEqual(pthread_equal(worker, pthread_self()), 0, "the work ran on another thread")
        XCTAssertEqual(loop.activeCount, 0)
    }

    /// Ordering, not timing: the first work can only finish once the loop has handled
    /// the second one's result. Work run on the loop's thread would wait for it in vain.
    func testTheLoopGoesOnWhileWorkBlocks() throws {
        let loop = ExecEventLoop()
        let gate = Mutex(false)
        var order: [String] = []
        loop.offload({ Self.waitFor { gate.withLock { $0 } } }) { opened in order.append("first, gate opened: \(opened)") }
        loop.offload({ 2 }) { _ in
            order.append("second")
            gate.withLock { $0 = true }
        }
        try loop.run()
        XCTAssertEqual(order, ["second", "first, gate opened: true"])
    }

    func testAtMostTheLimitRunAtOnceAndEveryResultComesBack() throws {
        let loop = ExecEventLoop()
        loop.offloadLimit = 3
        let running = Mutex((now: 0, most: 0))
        var done: [Int] = []
        for i in 0..<9 {
            loop.offload({ () -> Int in
                running.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
                // Held until three ran at once: more would run here if the bound were not kept.
                _ = Self.waitFor { running.withLock { $0.most >= 3 } }
                usleep(5000)
                running.withLock { $0.now -= 1 }
                return i
            }) { done.append($0) }
        }
        XCTAssertEqual(loop.activeCount, 9)
        try loop.run()
        XCTAssertEqual(done.sorted(), Array(0..<9))
        XCTAssertEqual(running.withLock { $0.most }, 3, "in parallel, bounded by offloadLimit")
    }
}
