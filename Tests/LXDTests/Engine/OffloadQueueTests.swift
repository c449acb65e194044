import XCTest

@testable import LXD

/// `ExecEventLoop.offload`'s bookkeeping: at most `limit` at once, the rest in order.
final class OffloadQueueTests: XCTestCase {
    func testAtMostLimitRunAndTheOthersStartInOrderAsOnesFinish() {
        var q = OffloadQueue<String>(limit: 2)
        XCTAssertEqual(q.submit("a"), "a")
        XCTAssertEqual(q.submit("b"), "b")
        XCTAssertNil(q.submit("c"))
        XCTAssertNil(q.submit("d"))
        XCTAssertEqual(q.running, 2)
        XCTAssertEqual(q.count, 4)
        XCTAssertEqual(q.finished(), "c")
        XCTAssertEqual(q.finished(), "d")
        XCTAssertEqual(q.running, 2)
        XCTAssertNil(q.finished())
        XCTAssertNil(q.finished())
        XCTAssertEqual(q.running, 0)
        XCTAssertEqual(q.count, 0)
        // Empty again: a new job starts at once.
        XCTAssertEqual(q.submit("e"), "e")
        XCTAssertEqual(q.count, 1)
    }

    func testALimitBelowOneIsOne() {
        var q = OffloadQueue<Int>(limit: 0)
        XCTAssertEqual(q.submit(1), 1)
        XCTAssertNil(q.submit(2))
        XCTAssertEqual(q.finished(), 2)
    }
}
