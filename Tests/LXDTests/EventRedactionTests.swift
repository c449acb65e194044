import JSON
import XCTest

@testable import LXD

/// Secrets in LXD events are redacted before they are shown (no daemon).
final class EventRedactionTests: XCTestCase {
    func testExecSecretsAreRedactedEverywhere() throws {
        let event = try JSONValue.parse(Array("""
            {"type":"operation","metadata":{"id":"x","metadata":{"command":["true"],
             "fds":{"0":"aaaa","control":"bbbb"},"return":0}},"project":"default",
             "nested":[{"secret":"cccc"},{"url":"/1.0/operations/x/websocket?secret=dddd"}]}
            """.utf8))
        let text = EventRedaction.redact(event).serialized()
        for secret in ["aaaa", "bbbb", "cccc", "dddd"] {
            XCTAssertFalse(text.contains(secret), "\(secret) leaked: \(text)")
        }
        let redacted = EventRedaction.redact(event)
        XCTAssertEqual(redacted["metadata"]?["metadata"]?["fds"]?["0"]?.stringValue, "<redacted>")
        XCTAssertEqual(redacted["metadata"]?["metadata"]?["fds"]?["control"]?.stringValue, "<redacted>")
        // Everything else is kept, in order.
        XCTAssertEqual(redacted["metadata"]?["metadata"]?["return"]?.intValue, 0)
        XCTAssertEqual(redacted["metadata"]?["metadata"]?["command"], JSONValue(["true"]))
        XCTAssertEqual(redacted["project"]?.stringValue, "default")
    }

    func testAnEventWithoutSecretsIsUnchanged() throws {
        let event = try JSONValue.parse(Array(#"{"type":"operation","metadata":{"id":"x","status":"Running","status_code":103}}"#.utf8))
        XCTAssertEqual(EventRedaction.redact(event), event)
    }
}
