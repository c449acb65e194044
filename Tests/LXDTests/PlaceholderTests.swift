import XCTest
final class LXDTestsPlaceholder: XCTestCase { func testPlaceholder() { XCTAssertEqual(1 + 1, 2) } }
