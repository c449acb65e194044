import JSON
import XCTest

@testable import lxattach

/// `operation watch`'s terminal table: fixed columns, one row per event.
final class WatchTableTests: XCTestCase {
    func testARowHasTheTimeIdStatusAndReturn() throws {
        let event = try JSONValue.parse(Array("""
            {"type":"operation","timestamp":"2026-11-29T12:10:13.427093569Z","project":"lxa-proj",
             "metadata":{"id":"7ab96491-0000-4000-8000-000000000000","class":"websocket",
             "description":"Executing\\u001b[2Jcommand","status":"Failure","err":"Command not found",
             "metadata":{"return":127}}}
            """.utf8))
        let row = WatchTable.row(event)
        XCTAssertEqual(row, "12:10:13.427  7ab96491-0000-4000-8000-000000000000  websocket  Failure    127     "
                           + "[lxa-proj] Executing [2Jcommand: Command not found\n")
        XCTAssertFalse(row.contains("\u{1b}"), "a control character reached the terminal")
        XCTAssertEqual(WatchTable.header(), "TIME          ID" + String(repeating: " ", count: 36) + "CLASS      STATUS     RETURN  DESCRIPTION\n")
    }
}
