import XCTest

@testable import HTTP

/// The one chunk-size reader of the response parser and the streaming decoder.
final class HTTPChunkSizeTests: XCTestCase {
    private func size(_ line: String) throws -> Int { try HTTPChunkSize.parse(Array(line.utf8)[...]) }

    func testHexDigitsWithExtensionsWhitespaceAndCR() throws {
        XCTAssertEqual(try size("1f4"), 500)
        XCTAssertEqual(try size("1F4\r"), 500)
        XCTAssertEqual(try size("0"), 0)
        XCTAssertEqual(try size("a;name=value"), 10)
        XCTAssertEqual(try size("A \t;x\r"), 10)
        XCTAssertEqual(try size("fffffffffffffff"), 0xfff_ffff_ffff_ffff)
    }

    func testAnythingElseIsABadChunkSize() {
        for bad in ["", "\r", ";x", "1g", "1f 3", "-1", " 1", "1000000000000000"] {
            XCTAssertThrowsError(try size(bad), bad) { error in
                XCTAssertEqual("\(error)", "\(HTTPError.malformedResponse("bad chunk size"))", bad)
            }
        }
    }
}
