import JSON
import XCTest

final class JSONParserTests: XCTestCase {
    func parse(_ s: String) throws -> JSONValue { try JSONValue.parse(s) }

    func assertRejects(
        _ bytes: [UInt8], _ reason: JSONError.Reason, at offset: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            let v = try JSONValue.parse(bytes)
            XCTFail("accepted \(v)", file: file, line: line)
        } catch {
            XCTAssertEqual(error.reason, reason, file: file, line: line)
            XCTAssertEqual(error.offset, offset, "\(error)", file: file, line: line)
        }
    }

    func assertRejects(
        _ s: String, _ reason: JSONError.Reason, at offset: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        assertRejects(Array(s.utf8), reason, at: offset, file: file, line: line)
    }

    // MARK: Vectors

    func testScalars() throws {
        XCTAssertEqual(try parse("null"), .null)
        XCTAssertEqual(try parse("true"), .bool(true))
        XCTAssertEqual(try parse(" false "), .bool(false))
        XCTAssertEqual(try parse("\"hi\""), .string("hi"))
        XCTAssertEqual(try parse("\t\r\n 0\n"), .number(.int(0)))
    }

    func testIntegersStayExact() throws {
        XCTAssertEqual(try parse("137").numberValue, .int(137))
        if case .number(.int(let v)) = try parse("137") { XCTAssertEqual(v, 137) } else { XCTFail() }
        XCTAssertEqual(try parse("-42").int64Value, -42)
        XCTAssertEqual(try parse("9223372036854775807").int64Value, Int64.max)
        XCTAssertEqual(try parse("-9223372036854775808").int64Value, Int64.min)
        guard case .number(.int) = try parse("-9223372036854775808") else {
            return XCTFail("Int64.min should stay an integer")
        }
        // Beyond Int64: a double.
        guard case .number(.double(let d)) = try parse("9223372036854775808") else {
            return XCTFail("expected a double")
        }
        XCTAssertEqual(d, 9223372036854775808.0)
        XCTAssertEqual(try parse("137").serialized(), "137")
    }

    func testDoubles() throws {
        XCTAssertEqual(try parse("1.5").doubleValue, 1.5)
        XCTAssertEqual(try parse("-0.25e2").doubleValue, -25)
        XCTAssertEqual(try parse("1E+2").doubleValue, 100)
        XCTAssertEqual(try parse("2e-3").doubleValue, 0.002)
        XCTAssertEqual(try parse("0.1").doubleValue, 0.1)
        guard case .number(.double) = try parse("1.0") else { return XCTFail() }
        XCTAssertEqual(try parse("1.0").intValue, 1, "integral doubles convert")
        XCTAssertNil(try parse("1.5").intValue)
        XCTAssertEqual(JSONValue.number(.int(1)), .number(.double(1.0)))
        XCTAssertNotEqual(JSONValue.number(.int(1)), .number(.double(1.5)))
    }

    func testStringsAndEscapes() throws {
        XCTAssertEqual(try parse(#""a\"b\\c\/d\b\f\n\r\t""#), .string("a\"b\\c/d\u{8}\u{c}\n\r\t"))
        XCTAssertEqual(try parse(#""\u0041\u00e9\u20AC""#), .string("Aé€"))
        XCTAssertEqual(try parse(#""\ud83d\ude00""#), .string("😀"))
        XCTAssertEqual(try parse(#""\u0000""#), .string("\u{0}"))
        XCTAssertEqual(try parse("\"héllo 😀 ✓\""), .string("héllo 😀 ✓"))
        XCTAssertEqual(try parse(#""prefix é \n suffix ✓""#), .string("prefix é \n suffix ✓"))
        XCTAssertEqual(try parse("\"\""), .string(""))
    }

    func testContainersKeepOrder() throws {
        let v = try parse(#"{"z": 1, "a": [1, 2, {"k": null}], "m": {}, "e": []}"#)
        XCTAssertEqual(v.objectValue?.keys, ["z", "a", "m", "e"])
        XCTAssertEqual(v["a"]?[2]?["k"], .null)
        XCTAssertEqual(v["a"]?[1]?.intValue, 2)
        XCTAssertNil(v["a"]?[3])
        XCTAssertNil(v["missing"])
        XCTAssertNil(v["z"]?["x"])
        XCTAssertEqual(v["m"], .object([:]))
        XCTAssertEqual(v["e"], .array([]))
    }

    func testLXDOperationAccessors() throws {
        let text = """
            {"type":"async","status":"Operation created","status_code":100,"operation":"/1.0/operations/6916c8a6",
             "error_code":0,"error":"","metadata":{"id":"6916c8a6","class":"websocket","status_code":103,
             "metadata":{"fds":{"0":"f5b6c760","control":"3b0e3e6a"}},"may_cancel":false,"err":""}}
            """
        let v = try parse(text)
        XCTAssertEqual(v["metadata"]?["metadata"]?["fds"]?["0"]?.stringValue, "f5b6c760")
        XCTAssertEqual(v["metadata"]?["metadata"]?["fds"]?["control"]?.stringValue, "3b0e3e6a")
        XCTAssertEqual(v["status_code"]?.intValue, 100)
        XCTAssertEqual(v["metadata"]?["may_cancel"]?.boolValue, false)
        XCTAssertEqual(v["type"]?.stringValue, "async")
        XCTAssertNil(v["type"]?.intValue)
    }

    func testDuplicateKeysLastValueFirstPosition() throws {
        let v = try parse(#"{"a":1,"b":2,"a":3}"#)
        XCTAssertEqual(v.objectValue?.keys, ["a", "b"])
        XCTAssertEqual(v["a"]?.intValue, 3)
    }

    func testLargeObjectUsesIndexCorrectly() throws {
        var text = "{"
        for i in 0..<100 { text += (i > 0 ? "," : "") + "\"k\(i)\":\(i)" }
        text += ",\"k5\":\"dup\"}"
        let v = try parse(text)
        XCTAssertEqual(v.objectValue?.count, 100)
        XCTAssertEqual(v["k99"]?.intValue, 99)
        XCTAssertEqual(v["k5"]?.stringValue, "dup")
        XCTAssertEqual(v.objectValue?.keys[5], "k5")
        var o = v.objectValue!
        o.removeValue(forKey: "k0")
        XCTAssertEqual(o["k1"]?.intValue, 1)
        XCTAssertEqual(o.position(of: "k1"), 0)
        XCTAssertNil(o["k0"])
    }

    func testParsesFromCollectionsAndBuffers() throws {
        let bytes = Array(#"[1,"x"]"#.utf8)
        XCTAssertEqual(try JSONValue.parse(bytes), [1, "x"])
        XCTAssertEqual(try JSONValue.parse(bytes[...]), [1, "x"])
        XCTAssertEqual(try JSONValue.parse(bytes.lazy.map { $0 }), [1, "x"], "non-contiguous")
        let v = try bytes.withUnsafeBufferPointer { try JSONValue.parse(buffer: $0) }
        XCTAssertEqual(v, [1, "x"])
    }

    func testDepthLimit() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        XCTAssertNoThrow(try parse(ok))
        let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        assertRejects(deep, .depthLimitExceeded(512), at: 512)
        assertRejects(#"{"a":{"b":1}}"#, .depthLimitExceeded(1), at: 5, maxDepth: 1)
    }

    func assertRejects(
        _ s: String, _ reason: JSONError.Reason, at offset: Int, maxDepth: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try JSONValue.parse(s, maxDepth: maxDepth), file: file, line: line) {
            XCTAssertEqual(($0 as? JSONError)?.reason, reason, file: file, line: line)
            XCTAssertEqual(($0 as? JSONError)?.offset, offset, file: file, line: line)
        }
    }

    // MARK: Malformed input, one test each

    func testRejectsEmpty() { assertRejects("", .unexpectedEnd, at: 0) }
    func testRejectsWhitespaceOnly() { assertRejects("  ", .unexpectedEnd, at: 2) }
    func testRejectsTrailingGarbage() { assertRejects("{} x", .trailingCharacters, at: 3) }
    func testRejectsTwoValues() { assertRejects("1 2", .trailingCharacters, at: 2) }
    func testRejectsLeadingZero() { assertRejects("012", .invalidNumber("leading zero"), at: 0) }
    func testRejectsNegativeLeadingZero() {
        assertRejects("-01", .invalidNumber("leading zero"), at: 0)
    }
    func testRejectsPlusSign() { assertRejects("+1", .unexpectedByte(0x2B, expected: "a JSON value"), at: 0) }
    func testRejectsBareMinus() { assertRejects("-", .unexpectedEnd, at: 1) }
    func testRejectsMinusLetter() {
        assertRejects("-a", .invalidNumber("expected a digit after '-'"), at: 1)
    }
    func testRejectsTrailingDot() { assertRejects("1.", .invalidNumber("expected a digit after '.'"), at: 2) }
    func testRejectsLeadingDot() { assertRejects(".5", .unexpectedByte(0x2E, expected: "a JSON value"), at: 0) }
    func testRejectsEmptyExponent() {
        assertRejects("1e+", .invalidNumber("expected a digit in the exponent"), at: 3)
    }
    func testRejectsHugeNumber() { assertRejects("1e400", .invalidNumber("out of range"), at: 0) }
    func testRejectsNaN() { assertRejects("NaN", .unexpectedByte(0x4E, expected: "a JSON value"), at: 0) }
    func testRejectsBadLiteral() { assertRejects("[tru]", .invalidLiteral, at: 1) }
    func testRejectsTruncatedLiteral() { assertRejects("nul", .unexpectedEnd, at: 3) }
    func testRejectsTrailingCommaInArray() {
        assertRejects("[1,]", .unexpectedByte(0x5D, expected: "a JSON value"), at: 3)
    }
    func testRejectsTrailingCommaInObject() {
        assertRejects(#"{"a":1,}"#, .unexpectedByte(0x7D, expected: "a string key"), at: 7)
    }
    func testRejectsMissingColon() { assertRejects(#"{"a" 1}"#, .unexpectedByte(0x31, expected: "':'"), at: 5) }
    func testRejectsUnquotedKey() { assertRejects("{a:1}", .unexpectedByte(0x61, expected: "a string key"), at: 1) }
    func testRejectsMissingComma() { assertRejects("[1 2]", .unexpectedByte(0x32, expected: "',' or ']'"), at: 3) }
    func testRejectsUnclosedArray() { assertRejects("[1,2", .unexpectedEnd, at: 4) }
    func testRejectsUnclosedObject() { assertRejects(#"{"a":1"#, .unexpectedEnd, at: 6) }
    func testRejectsUnterminatedString() { assertRejects(#""abc"#, .unexpectedEnd, at: 4) }
    func testRejectsUnterminatedStringAfterEscape() { assertRejects(#""a\n"#, .unexpectedEnd, at: 4) }
    func testRejectsRawControlCharacter() {
        assertRejects("\"a\tb\"", .controlCharacterInString(0x09), at: 2)
    }
    func testRejectsRawNewlineInString() {
        assertRejects("\"a\nb\"", .controlCharacterInString(0x0A), at: 2)
    }
    func testRejectsBadEscape() { assertRejects(#""\x41""#, .invalidEscape, at: 1) }
    func testRejectsShortUnicodeEscape() { assertRejects(#""\u12G4""#, .invalidUnicodeEscape, at: 5) }
    func testRejectsLoneHighSurrogate() { assertRejects(#""\ud83d""#, .unpairedSurrogate, at: 1) }
    func testRejectsHighSurrogateWithoutLow() {
        assertRejects(#""\ud83d\u0041""#, .unpairedSurrogate, at: 1)
    }
    func testRejectsLoneLowSurrogate() { assertRejects(#""x\ude00""#, .unpairedSurrogate, at: 2) }
    func testRejectsInvalidUTF8Byte() { assertRejects([0x22, 0xFF, 0x22], .invalidUTF8, at: 1) }
    func testRejectsOverlongUTF8() { assertRejects([0x22, 0xC0, 0xAF, 0x22], .invalidUTF8, at: 1) }
    func testRejectsUTF8Surrogate() { assertRejects([0x22, 0xED, 0xA0, 0x80, 0x22], .invalidUTF8, at: 1) }
    func testRejectsTruncatedUTF8() { assertRejects([0x22, 0x61, 0xE2, 0x82, 0x22], .invalidUTF8, at: 2) }
    func testRejectsUTF8AboveMax() { assertRejects([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], .invalidUTF8, at: 1) }
    func testRejectsInvalidUTF8AfterEscape() {
        assertRejects([0x22, 0x5C, 0x6E, 0x80, 0x22], .invalidUTF8, at: 3)
    }
    func testRejectsInvalidUTF8OutsideString() {
        assertRejects([0xEF, 0xBB, 0xBF, 0x31], .unexpectedByte(0xEF, expected: "a JSON value"), at: 0)
    }
    func testRejectsComment() { assertRejects("[1 // x\n]", .unexpectedByte(0x2F, expected: "',' or ']'"), at: 3) }
    func testRejectsSingleQuotes() { assertRejects("'a'", .unexpectedByte(0x27, expected: "a JSON value"), at: 0) }

    func testErrorDescriptionIsOneClearLine() {
        XCTAssertThrowsError(try parse("[1,]")) {
            let d = String(describing: $0)
            XCTAssertEqual(d, "invalid JSON at offset 3: unexpected ']', expected a JSON value")
        }
        XCTAssertThrowsError(try JSONValue.parse([0x22, 0x01, 0x22] as [UInt8])) {
            XCTAssertEqual(
                String(describing: $0),
                "invalid JSON at offset 1: unescaped control character byte 0x01 in string")
        }
    }
}
