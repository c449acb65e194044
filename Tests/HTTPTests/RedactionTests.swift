import XCTest
@testable import HTTP

final class RedactionTests: XCTestCase {
    let hex64 = String(repeating: "0123456789abcdef", count: 4)

    func testSecretQueryParameter() {
        XCTAssertEqual(redactSecrets("> GET /1.0/operations/abc/websocket?secret=xyz123 HTTP/1.1"),
                       "> GET /1.0/operations/abc/websocket?secret=<redacted> HTTP/1.1")
        XCTAssertEqual(redactSecrets("/ws?a=1&secret=s3cr3t&b=2"), "/ws?a=1&secret=<redacted>&b=2")
        XCTAssertEqual(redactSecrets("nosecret=keep"), "nosecret=keep")
    }

    func testHexTokensAnywhere() {
        let json = #"{"fds":{"0":"\#(hex64)","control":"\#(hex64.uppercased())"}}"#
        XCTAssertEqual(redactSecrets(json), #"{"fds":{"0":"<redacted>","control":"<redacted>"}}"#)
        XCTAssertFalse(redactSecrets(json).contains("0123456789abcdef"))
        // Shorter hex (operation ids, short hashes) stays.
        let short = String(hex64.prefix(63))
        XCTAssertEqual(redactSecrets("id \(short) x"), "id \(short) x")
    }

    func testWebSocketHeaders() {
        let head = "> Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\n< sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\n< Upgrade: websocket\n"
        XCTAssertEqual(redactSecrets(head),
                       "> Sec-WebSocket-Key: <redacted>\n< sec-websocket-accept: <redacted>\n< Upgrade: websocket\n")
        XCTAssertEqual(redactSecrets("Authorization: Bearer abc\r\nHost: x"), "Authorization: <redacted>\r\nHost: x")
    }

    /// `--env` values (often credentials) in an exec POST body and in the daemon's echo:
    /// values hidden, names kept; escapes, spaces and a body cut short by the trace limit.
    func testEnvironmentValues() {
        XCTAssertEqual(redactSecrets(#"> {"command":["true"],"environment":{"TERM":"xterm","PW":"hunter2"},"interactive":false}"#),
                       #"> {"command":["true"],"environment":{"TERM":"<redacted>","PW":"<redacted>"},"interactive":false}"#)
        XCTAssertEqual(redactSecrets(#"{"environment" : { "A" : "x\"y\\", "B":"" } }"#),
                       #"{"environment" : { "A" : "<redacted>", "B":"<redacted>" } }"#)
        XCTAssertEqual(redactSecrets(#"{"environment":{"A":"secr"#), #"{"environment":{"A":"<redacted>"#)
        XCTAssertEqual(redactSecrets(#"{"environment":{}}"#), #"{"environment":{}}"#)
        // Not an object of strings: left alone.
        XCTAssertEqual(redactSecrets(#"{"environment":"prod"}"#), #"{"environment":"prod"}"#)
        XCTAssertEqual(redactSecrets(#"environment: {"#), #"environment: {"#)
    }

    func testPlainTextUntouched() {
        let s = "< HTTP/1.1 200 OK\n< Content-Type: application/json\n{\"type\":\"sync\",\"status\":\"Success\"}\n"
        XCTAssertEqual(redactSecrets(s), s)
    }
}
