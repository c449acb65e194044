import HTTP
import JSON
import XCTest

@testable import LXD

/// The exec request body and the envelopes, byte-level, without a daemon.
final class ExecRequestTests: XCTestCase {
    func testNonInteractiveBodyIsWhatLXDExpects() throws {
        let request = ExecRequest(command: ["sh", "-c", "echo hi"], environment: [("TERM", "xterm"), ("A", "")],
                                  interactive: false, width: 80, height: 25, user: 1000, group: 2000, cwd: "/tmp")
        let body = request.body
        XCTAssertEqual(body["command"], ["sh", "-c", "echo hi"])
        XCTAssertEqual(body["environment"]?["TERM"]?.stringValue, "xterm")
        XCTAssertEqual(body["environment"]?["A"]?.stringValue, "")
        XCTAssertEqual(body["wait-for-websocket"]?.boolValue, true)
        XCTAssertEqual(body["interactive"]?.boolValue, false)
        XCTAssertEqual(body["record-output"]?.boolValue, false)
        XCTAssertNil(body["width"], "the size is only sent for a PTY")
        XCTAssertEqual(body["user"]?.intValue, 1000)
        XCTAssertEqual(body["group"]?.intValue, 2000)
        XCTAssertEqual(body["cwd"]?.stringValue, "/tmp")
    }

    func testInteractiveBodyCarriesTheInitialSize() {
        let body = ExecRequest(command: ["sh"], interactive: true, width: 132, height: 50).body
        XCTAssertEqual(body["interactive"]?.boolValue, true)
        XCTAssertEqual(body["width"]?.intValue, 132)
        XCTAssertEqual(body["height"]?.intValue, 50)
        XCTAssertNil(body["user"])
        XCTAssertNil(body["cwd"])
    }

    func testAsyncEnvelopeDecodes() throws {
        let text = """
            {"type":"async","status":"Operation created","status_code":100,"operation":"/1.0/operations/abc",\
            "error_code":0,"error":"","metadata":{"id":"abc","class":"websocket","status":"Running","status_code":103,\
            "metadata":{"fds":{"0":"s0","control":"sc"}}}}
            """
        let response = try LXDResponse.decode(HTTPResponse(status: 202, body: Array(text.utf8)))
        XCTAssertEqual(response.kind, .async)
        XCTAssertEqual(response.operation, "/1.0/operations/abc")
        XCTAssertEqual(response.metadata["metadata"]?["fds"]?["control"]?.stringValue, "sc")
    }

    func testErrorEnvelopeThrowsWithCodeAndMessage() {
        let text = #"{"type":"error","status":"","status_code":0,"operation":"","error_code":404,"error":"Instance not found","metadata":null}"#
        XCTAssertThrowsError(try LXDResponse.decode(HTTPResponse(status: 404, body: Array(text.utf8)))) { error in
            guard case LXDError.api(let code, let message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(code, 404)
            XCTAssertEqual(message, "Instance not found")
            XCTAssertEqual((error as? LXDError)?.description, "Instance not found")
        }
    }

    func testErrorEnvelopeWithHTTP200IsStillAnError() {
        // LXD ≥ 5.20 answers /wait for a failed operation like this.
        let text = #"{"type":"error","error_code":400,"error":"Command not found"}"#
        XCTAssertThrowsError(try LXDResponse.decode(HTTPResponse(status: 200, body: Array(text.utf8))))
    }

    func testNonJSONErrorBodyBecomesItsFirstLine() {
        XCTAssertThrowsError(try LXDResponse.decode(HTTPResponse(status: 400, body: Array("400 Bad Request: missing required Host header\n".utf8)))) { error in
            XCTAssertEqual((error as? LXDError)?.description, "400 Bad Request: missing required Host header")
        }
    }

    func testOperationExitStatusAndFinality() throws {
        let op = try Operation(JSONValue.parse(#"{"id":"x","class":"websocket","status":"Failure","status_code":400,"err":"Command not found","metadata":{"return":127},"may_cancel":false}"#))
        XCTAssertTrue(op.isFinal)
        XCTAssertFalse(op.succeeded)
        XCTAssertEqual(op.exitStatus, 127)
        let running = try Operation(JSONValue.parse(#"{"id":"y","status":"Running","status_code":103,"metadata":null}"#))
        XCTAssertFalse(running.isFinal)
        XCTAssertNil(running.exitStatus)
        XCTAssertThrowsError(try Operation(JSONValue.parse(#"{"status":"Running"}"#)))
    }

    func testPercentEncodingKeepsUnreservedOnly() {
        XCTAssertEqual(percentEncode("c1-x_y.z~"), "c1-x_y.z~")
        XCTAssertEqual(percentEncode("a b/c?d&e=f"), "a%20b%2Fc%3Fd%26e%3Df")
        XCTAssertEqual(percentEncode("é"), "%C3%A9")
    }

    func testProjectGoesOnEveryTargetButDefaultDoesNot() {
        let remote = ResolvedRemote(name: "r", endpoint: .unix(path: "/x"), project: "web")
        XCTAssertEqual(LXDClient(remote: remote).target("/1.0/operations", query: [("recursion", "1")]),
                       "/1.0/operations?recursion=1&project=web")
        XCTAssertEqual(LXDClient(remote: remote, project: "default").target("/1.0"), "/1.0")
        XCTAssertEqual(LXDClient(remote: ResolvedRemote(name: "l", endpoint: .unix(path: "/x"))).target("/1.0"), "/1.0")
    }

    /// Over the unix socket 0/1/2 wait for control's answer (a round trip there is
    /// ~0.1 ms); over HTTPS they do not (it would add a network round trip).
    func testControlAttachesFirstOverTheUnixSocketOnly() {
        let request = ExecRequest(command: ["true"])
        let unix = LXDClient(remote: ResolvedRemote(name: "l", endpoint: .unix(path: "/x")))
        XCTAssertTrue(unix.setupPlan(instance: "c1", request).controlAttachesFirst)
        let https = LXDClient(remote: ResolvedRemote(name: "r", endpoint: .https(host: "h", port: 8443, serverName: nil)))
        XCTAssertFalse(https.setupPlan(instance: "c1", request).controlAttachesFirst)
    }
}
