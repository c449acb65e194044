import XCTest
import WebSocket

final class HandshakeTests: XCTestCase {
    func testRFCAcceptExample() {
        XCTAssertEqual(WebSocketHandshake.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    func testIsValidAccept() {
        let key = "dGhlIHNhbXBsZSBub25jZQ=="
        XCTAssertTrue(WebSocketHandshake.isValidAccept("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", forKey: key))
        XCTAssertTrue(WebSocketHandshake.isValidAccept(" s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\t", forKey: key))
        XCTAssertFalse(WebSocketHandshake.isValidAccept("s3pPLMBiTxaQ9kYGzzhZRbK+xOo", forKey: key))
        XCTAssertFalse(WebSocketHandshake.isValidAccept("S3pPLMBiTxaQ9kYGzzhZRbK+xOo=", forKey: key))
        XCTAssertFalse(WebSocketHandshake.isValidAccept("", forKey: key))
    }

    func testMakeKeyIsSixteenRandomBytesInBase64() {
        let a = WebSocketHandshake.makeKey()
        let b = WebSocketHandshake.makeKey()
        XCTAssertEqual(a.utf8.count, 24)
        XCTAssertTrue(a.hasSuffix("=="))
        XCTAssertNotEqual(a, b)
    }

    private func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
    }

    func testSHA1Vectors() {
        XCTAssertEqual(hex(WebSocketHandshake.sha1([])), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        XCTAssertEqual(hex(WebSocketHandshake.sha1(Array("abc".utf8))), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(hex(WebSocketHandshake.sha1(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))),
                       "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        XCTAssertEqual(hex(WebSocketHandshake.sha1(Array("The quick brown fox jumps over the lazy dog".utf8))),
                       "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12")
        XCTAssertEqual(hex(WebSocketHandshake.sha1([UInt8](repeating: 0x61, count: 1_000_000))),
                       "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
        // 55, 56 and 64 bytes straddle the padding boundary.
        XCTAssertEqual(hex(WebSocketHandshake.sha1([UInt8](repeating: 0x61, count: 55))), "c1c8bbdc22796e28c0e15163d20899b65621d65a")
        XCTAssertEqual(hex(WebSocketHandshake.sha1([UInt8](repeating: 0x61, count: 56))), "c2db330f6083854c99d4b5bfb6e8f29f201be699")
        XCTAssertEqual(hex(WebSocketHandshake.sha1([UInt8](repeating: 0x61, count: 64))), "0098ba824b5c16427bd7a1122a5a442a25ec644d")
    }

    func testBase64Vectors() {
        // RFC 4648 §10.
        let cases = ["": "", "f": "Zg==", "fo": "Zm8=", "foo": "Zm9v", "foob": "Zm9vYg==", "fooba": "Zm9vYmE=", "foobar": "Zm9vYmFy"]
        for (input, output) in cases {
            XCTAssertEqual(WebSocketHandshake.base64(Array(input.utf8)), output)
        }
        XCTAssertEqual(WebSocketHandshake.base64([0xFF, 0xFE, 0xFD]), "//79")
    }
}
