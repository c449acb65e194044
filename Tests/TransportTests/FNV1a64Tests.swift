import XCTest

import Transport

/// FNV-1a 64 against the reference's own test vectors (www.isthe.com/chongo/tech/comp/fnv).
final class FNV1a64Tests: XCTestCase {
    private func hex(_ s: String) -> String {
        var h = FNV1a64()
        h.mix(s.utf8)
        return h.hex
    }

    func testReferenceVectors() {
        XCTAssertEqual(hex(""), "cbf29ce484222325")
        XCTAssertEqual(hex("a"), "af63dc4c8601ec8c")
        XCTAssertEqual(hex("foobar"), "85944171f73967e8")
        var h = FNV1a64()
        h.mix("foobar".utf8)
        XCTAssertEqual(h.value, 0x8594_4171_f739_67e8)
    }

    func testByteByByteIsTheSameAsAllAtOnce() {
        var one = FNV1a64()
        for b in "foobar".utf8 { one.mix(b) }
        XCTAssertEqual(one.hex, hex("foobar"))
    }

    func testHexIsSixteenDigitsWithLeadingZeros() {
        // A value below 2^60 must keep its leading zero.
        var h = FNV1a64()
        var n: UInt8 = 0
        while h.value >= 1 << 60 {
            h = FNV1a64()
            h.mix([n, n &+ 1])
            n &+= 1
        }
        XCTAssertEqual(h.hex.count, 16)
        XCTAssertEqual(h.hex.first, "0")
        XCTAssertEqual(UInt64(h.hex, radix: 16), h.value)
    }
}
