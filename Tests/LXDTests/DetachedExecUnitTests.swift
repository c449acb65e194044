import JSON
import XCTest

@testable import LXD

/// Detached exec: its request body and the recorded-output paths (no daemon).
final class DetachedExecUnitTests: XCTestCase {
    func testTheBodyRecordsOutputWithoutWebsockets() {
        let body = ExecRequest(command: ["job"], interactive: true, width: 80, height: 24).detachedBody
        XCTAssertEqual(body["record-output"], true)
        XCTAssertEqual(body["wait-for-websocket"], false)
        XCTAssertEqual(body["interactive"], false)
        XCTAssertNil(body["width"])
        XCTAssertEqual(body["command"], JSONValue(["job"]))
    }

    func testOnlyInstanceLogPathsAreFollowed() {
        XCTAssertTrue(RecordedOutput.isLogPath("/1.0/instances/c1/logs/exec_x.stdout"))
        XCTAssertTrue(RecordedOutput.isLogPath("/1.0/instances/c1/logs/exec-output/exec_x.stderr"))
        XCTAssertFalse(RecordedOutput.isLogPath("/1.0/instances/c1/logs/../../../certificates"))
        XCTAssertFalse(RecordedOutput.isLogPath("/1.0/certificates"))
        XCTAssertFalse(RecordedOutput.isLogPath("/1.0/instances/c1/logs/x?project=y"))
        XCTAssertFalse(RecordedOutput.isLogPath("https://evil/1.0/instances/c1/logs/x"))
    }

    func testAFinalOperationGivesItsFilesAndStatus() throws {
        let op = try Operation(JSONValue.parse(Array("""
            {"id":"abc","class":"task","status":"Success","status_code":200,"err":"",
             "metadata":{"output":{"1":"/1.0/instances/c1/logs/exec_abc.stdout","2":"/1.0/instances/c1/logs/exec_abc.stderr"},"return":3}}
            """.utf8)))
        let recorded = try XCTUnwrap(RecordedOutput(op))
        XCTAssertEqual(recorded.exitStatus, 3)
        XCTAssertEqual(recorded.stdoutPath, "/1.0/instances/c1/logs/exec_abc.stdout")
        XCTAssertEqual(recorded.stderrPath, "/1.0/instances/c1/logs/exec_abc.stderr")
        let plain = try Operation(JSONValue.parse(Array(#"{"id":"abc","metadata":{"return":0}}"#.utf8)))
        XCTAssertNil(RecordedOutput(plain))
    }
}
