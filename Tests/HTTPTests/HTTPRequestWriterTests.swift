import XCTest
@testable import HTTP

final class HTTPRequestWriterTests: XCTestCase {
    func testGetExactBytes() {
        let bytes = HTTPRequestWriter.serialize(.get("/1.0?project=web"), host: "unix.socket", userAgent: "lxattach/1.2")
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self),
                       "GET /1.0?project=web HTTP/1.1\r\nHost: unix.socket\r\nUser-Agent: lxattach/1.2\r\nConnection: keep-alive\r\n\r\n")
    }

    func testPostJSONExactBytes() {
        let body = Array(#"{"command":["true"]}"#.utf8)
        let bytes = HTTPRequestWriter.serialize(.json("POST", "/1.0/instances/c1/exec", body: body),
                                                host: "127.0.0.1:8443", userAgent: "lxattach/1.2")
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self),
                       "POST /1.0/instances/c1/exec HTTP/1.1\r\nHost: 127.0.0.1:8443\r\nUser-Agent: lxattach/1.2\r\n"
                       + "Content-Type: application/json\r\nContent-Length: 20\r\nConnection: keep-alive\r\n\r\n"
                       + #"{"command":["true"]}"#)
    }

    func testEmptyPostHasZeroLengthAndOverrides() {
        var h = HTTPHeaders()
        h.add("Host", "other")
        h.add("Connection", "close")
        h.add("Content-Length", "99")  // ignored: the writer computes it
        let bytes = HTTPRequestWriter.serialize(HTTPRequest(method: "POST", target: "/x", headers: h), host: "h", userAgent: "ua")
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self),
                       "POST /x HTTP/1.1\r\nHost: other\r\nUser-Agent: ua\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
    }

    func testHeadersCaseInsensitive() {
        var h: HTTPHeaders = ["Connection": "keep-alive, Upgrade"]
        XCTAssertTrue(h.hasToken("upgrade", in: "connection"))
        XCTAssertFalse(h.hasToken("close", in: "Connection"))
        h.set("CONNECTION", "close")
        XCTAssertEqual(h.count, 1)
        XCTAssertEqual(h["connection"], "close")
    }
}
