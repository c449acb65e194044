import JSON
import XCTest

final class JSONSerializerTests: XCTestCase {
    func testCompact() {
        let v: JSONValue = [
            "command": ["sh", "-c", "echo hi"], "environment": ["TERM": "xterm"],
            "interactive": false, "width": 80, "ratio": 1.5, "none": nil, "empty": [:], "list": [],
        ]
        XCTAssertEqual(
            v.serialized(),
            #"{"command":["sh","-c","echo hi"],"environment":{"TERM":"xterm"},"interactive":false,"width":80,"ratio":1.5,"none":null,"empty":{},"list":[]}"#
        )
        XCTAssertEqual(v.description, v.serialized())
    }

    func testPretty() {
        let v: JSONValue = ["a": [1, ["b": true]], "c": [:], "d": [], "e": "x"]
        let expected = """
            {
              "a": [
                1,
                {
                  "b": true
                }
              ],
              "c": {},
              "d": [],
              "e": "x"
            }
            """
        XCTAssertEqual(v.serialized(pretty: true), expected)
        XCTAssertEqual(JSONValue.array([]).serialized(pretty: true), "[]")
        XCTAssertEqual(JSONValue.number(.int(7)).serialized(pretty: true), "7")
    }

    func testStringEscaping() {
        let s: JSONValue = "q\"b\\s/\n\r\t\u{8}\u{c}\u{1}\u{1f}é😀"
        XCTAssertEqual(s.serialized(), #""q\"b\\s/\n\r\t\b\f\u0001\u001fé😀""#)
        XCTAssertEqual(try JSONValue.parse(s.serialized()), s)
    }

    func testNumbers() {
        XCTAssertEqual(JSONValue(137).serialized(), "137")
        XCTAssertEqual(JSONValue(Int64.min).serialized(), "-9223372036854775808")
        XCTAssertEqual(JSONValue(0.1).serialized(), "0.1")
        XCTAssertEqual(JSONValue(1e300).serialized(), "1e+300")
        XCTAssertEqual(JSONValue(Double.infinity).serialized(), "null")
        XCTAssertEqual(JSONValue(Double.nan).serialized(), "null")
    }

    func testWriteAppendsToBuffer() {
        var out = Array("x=".utf8)
        JSONValue.array([1, 2]).write(to: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "x=[1,2]")
        XCTAssertEqual(JSONValue.bool(true).serializedBytes(), Array("true".utf8))
    }

    func testBuildingAndMutating() {
        var body: JSONValue = ["command": JSONValue(["ls", "-la"]), "wait-for-websocket": true]
        body["width"] = JSONValue(120)
        body["command"] = nil
        XCTAssertEqual(body.serialized(), #"{"wait-for-websocket":true,"width":120}"#)
        var n: JSONValue = nil
        n["a"] = "b"
        XCTAssertEqual(n, ["a": "b"])
        var o = JSONObject()
        o["x"] = 1
        o["y"] = 2
        XCTAssertEqual(o.updateValue(3, forKey: "x"), 1)
        XCTAssertEqual(o.map(\.key), ["x", "y"])
        XCTAssertEqual(o.description, #"{"x":3,"y":2}"#)
        XCTAssertEqual(JSONValue(["k": "v"] as [String: String]), ["k": "v"])
        XCTAssertEqual(JSONObject([("a", 1), ("b", 2), ("a", 3)]).keys, ["a", "b"])
    }

    func testObjectEqualityIgnoresOrder() {
        let a: JSONValue = ["x": 1, "y": [true]]
        let b: JSONValue = ["y": [true], "x": 1]
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a, ["x": 1, "y": [false]])
        XCTAssertNotEqual(a, ["x": 1])
        XCTAssertFalse(a.objectValue!.elementsEqual(b.objectValue!, by: { $0.key == $1.key }))
    }

    func testRoundTripVectors() throws {
        let texts = [
            "null", "true", "0", "-1", "137", "1.5", "-0.001", "1e-07", "\"\"", "[]", "{}",
            #"{"a":[1,2,{"b":null}],"c":"d\u00e9"}"#,
            #"[["nested",[[]]],{"":{"":""}}]"#,
            #"{"type":"sync","status":"Success","status_code":200,"metadata":{"return":137}}"#,
        ]
        for t in texts {
            let v = try JSONValue.parse(t)
            let again = try JSONValue.parse(v.serialized())
            XCTAssertEqual(again, v, t)
            XCTAssertEqual(try JSONValue.parse(v.serialized(pretty: true)), v, t)
            XCTAssertEqual(again.serialized(), v.serialized(), "serialization is stable: \(t)")
        }
        XCTAssertEqual(try JSONValue.parse("1e-07").serialized(), "1e-07")
        XCTAssertEqual(
            try JSONValue.parse(#"{"b":1,"a":2}"#).serialized(), #"{"b":1,"a":2}"#, "order kept")
    }

    // MARK: Property test

    /// A small deterministic PRNG (SplitMix64), so failures reproduce.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let alphabet: [Unicode.Scalar] = [
        "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1f}", "é", "€", "😀", "\u{2028}",
        "\u{7f}", ":", "#", "-",
    ]

    func randomString(_ g: inout SplitMix64) -> String {
        var s = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...8, using: &g) {
            s.append(Self.alphabet.randomElement(using: &g)!)
        }
        return String(s)
    }

    func randomValue(_ g: inout SplitMix64, depth: Int) -> JSONValue {
        let kind = Int.random(in: 0..<(depth > 4 ? 5 : 7), using: &g)
        switch kind {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &g))
        case 2:
            switch Int.random(in: 0..<4, using: &g) {
            case 0: return .number(.int(Int64.random(in: Int64.min...Int64.max, using: &g)))
            case 1: return .number(.int(Int64.random(in: -1000...1000, using: &g)))
            case 2:
                return .number(.double(Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &g))))
            default: return .number(.double(Double.random(in: -1e6...1e6, using: &g)))
            }
        case 3, 4: return .string(randomString(&g))
        case 5:
            return .array((0..<Int.random(in: 0...5, using: &g)).map { _ in randomValue(&g, depth: depth + 1) })
        default:
            var o = JSONObject()
            for _ in 0..<Int.random(in: 0...5, using: &g) {
                o[randomString(&g)] = randomValue(&g, depth: depth + 1)
            }
            return .object(o)
        }
    }

    func testRandomRoundTripProperty() throws {
        var g = SplitMix64(state: 0x1234_5678)
        var checked = 0
        for _ in 0..<2000 {
            var v = randomValue(&g, depth: 0)
            v = sanitize(v)
            let compact = v.serialized()
            let back = try JSONValue.parse(compact)
            XCTAssertEqual(back, v, compact)
            XCTAssertEqual(back.serialized(), compact, "byte-stable, order kept")
            XCTAssertEqual(try JSONValue.parse(v.serialized(pretty: true)), v)
            checked += 1
        }
        XCTAssertEqual(checked, 2000)
    }

    /// Non-finite doubles cannot be represented in JSON; NaN bit patterns become 0.
    func sanitize(_ v: JSONValue) -> JSONValue {
        switch v {
        case .number(.double(let d)) where !d.isFinite: return .number(.double(0.5))
        case .array(let a): return .array(a.map(sanitize))
        case .object(let o):
            var r = JSONObject()
            for (k, x) in o { r[k] = sanitize(x) }
            return .object(r)
        default: return v
        }
    }

    // MARK: Speed

    func testALargeDocumentRoundTrips() throws {
        // A ~1 MB document shaped like LXD's instance lists.
        var items: [JSONValue] = []
        for i in 0..<2000 {
            items.append([
                "name": .string("c\(i)"), "status": "Running", "status_code": 103,
                "config": ["image.os": "Ubuntu", "image.release": "jammy", "volatile.idmap": "[{\"Isuid\":true}]"],
                "devices": ["root": ["path": "/", "pool": "default", "type": "disk"]],
                "ephemeral": false, "profiles": ["default"], "created_at": "2024-05-01T10:00:00.123456789Z",
                "ratio": 0.75, "description": .string("container number \(i) with a longer text é✓"),
            ])
        }
        let bytes = JSONValue.array(items).serializedBytes()
        XCTAssertGreaterThan(bytes.count, 500_000)
        // Speed is the benchmarks' business; here, that a large document round-trips.
        let parsed = try JSONValue.parse(bytes)
        XCTAssertEqual(parsed.arrayValue?.count, 2000)
        XCTAssertEqual(parsed, JSONValue.array(items))
    }
}
