import Foundation
import JSON
import LXD
import LXDConfigYAML
import XCTest
import Yams

final class ConfigYAMLTests: XCTestCase {
    func parse(_ text: String) throws -> LXCConfig { try ConfigYAML.parse(text) }

    func assertParseError(
        _ text: String, line: Int?, contains fragment: String,
        file: StaticString = #filePath, lineNo: UInt = #line
    ) {
        do {
            let c = try ConfigYAML.parse(text)
            XCTFail("accepted: \(c)", file: file, line: lineNo)
        } catch {
            XCTAssertEqual(error.line, line, "\(error)", file: file, line: lineNo)
            XCTAssertTrue(error.description.contains(fragment), "\(error)", file: file, line: lineNo)
        }
    }

    func testLXCExampleConfig() throws {
        let c = try parse(
            """
            default-remote: local
            remotes:
              images:
                addr: https://images.linuxcontainers.org
                protocol: simplestreams
                public: true
              local:
                addr: unix://
                public: false
            aliases: {}
            """)
        XCTAssertEqual(c.defaultRemote, "local")
        XCTAssertEqual(c.remotes.map(\.name), ["images", "local"])
        XCTAssertEqual(
            c[remote: "images"],
            Remote(name: "images", addr: "https://images.linuxcontainers.org", protocol: .simplestreams, isPublic: true))
        XCTAssertEqual(c[remote: "local"], Remote(name: "local", addr: "unix://", protocol: .lxd, isPublic: false))
        XCTAssertEqual(c.aliases, [:])
    }

    func testRemoteWithProjectAuthTypeAndAliases() throws {
        let c = try parse(
            """
            default-remote: prod
            remotes:
              prod: {addr: "https://10.0.0.5:8443", protocol: lxd, auth_type: tls, public: false, project: web}
              sock: {addr: "unix:///var/snap/lxd/common/lxd/unix.socket"}
              v6: {addr: "https://[::1]:8443", protocol: incus}
              future: {addr: "https://x", domain: d, keepalive: 30, unknown_key: [1, 2]}
            aliases:
              ls: list -c ns
            something_new: {a: 1}
            """)
        XCTAssertEqual(c.defaultRemote, "prod")
        XCTAssertEqual(
            c[remote: "prod"],
            Remote(name: "prod", addr: "https://10.0.0.5:8443", protocol: .lxd, authType: "tls", project: "web"))
        XCTAssertEqual(c[remote: "sock"]?.addr, "unix:///var/snap/lxd/common/lxd/unix.socket")
        XCTAssertEqual(c[remote: "sock"]?.protocol, .lxd, "protocol defaults to lxd")
        XCTAssertEqual(c[remote: "v6"]?.protocol, .incus)
        XCTAssertEqual(c[remote: "future"]?.addr, "https://x", "unknown keys ignored")
        XCTAssertEqual(c.aliases, ["ls": "list -c ns"])
    }

    func testEmptyAndMinimalDocuments() throws {
        XCTAssertEqual(try parse(""), LXCConfig())
        XCTAssertEqual(try parse("# only a comment\n"), LXCConfig())
        XCTAssertEqual(try parse("default-remote:\nremotes:\naliases:\n"), LXCConfig())
        XCTAssertEqual(try parse("default-remote: \"\"\n").defaultRemote, "local")
    }

    func testMalformedYAMLReportsLine() {
        assertParseError("remotes:\n  a: {addr: x\n  b: 1\n", line: 3, contains: "line 3:")
        assertParseError("default-remote: local\n  bad indent: x\n", line: 2, contains: "line 2:")
    }

    func testWrongTypes() {
        assertParseError("remotes:\n  - local\n", line: 2, contains: "remotes: expected a mapping")
        assertParseError("remotes:\n  r: unix://\n", line: 2, contains: "remotes.r: expected a mapping")
        assertParseError("remotes:\n  r: {addr: [a]}\n", line: 2, contains: "remotes.r.addr: expected a string")
        assertParseError("remotes:\n  r: {public: maybe}\n", line: 2, contains: "remotes.r.public: expected true or false")
        assertParseError("- a\n- b\n", line: 1, contains: "must be a mapping")
        assertParseError("aliases: [x]\n", line: 1, contains: "aliases: expected a mapping")
        assertParseError("default-remote: {a: b}\n", line: 1, contains: "default-remote: expected a string")
    }

    func testQuotedScalarsStayStrings() throws {
        let c = try parse("default-remote: \"null\"\nremotes:\n  \"123\": {addr: 'unix://', public: yes}\n")
        XCTAssertEqual(c.defaultRemote, "null")
        XCTAssertEqual(c[remote: "123"]?.isPublic, true)
    }

    func testJSONRoundTripIsLossless() throws {
        let configs = [
            LXCConfig(),
            LXCConfig.defaults(flavor: .lxd),
            LXCConfig.defaults(flavor: .incus),
            try parse(
                """
                default-remote: prod
                remotes:
                  prod: {addr: "https://h:1", protocol: lxd, auth_type: oidc, public: true, project: "p q"}
                  "we:ird": {addr: "unix:///x\\"y", protocol: other}
                aliases: {b: "2", a: "1 \\u00e9"}
                """),
        ]
        for c in configs {
            let text = c.json.serialized()
            let back = LXCConfig(json: try JSONValue.parse(text))
            XCTAssertEqual(back, c, text)
            XCTAssertEqual(back?.remotes.map(\.name), c.remotes.map(\.name), "order kept")
            XCTAssertEqual(back?.json.serialized(), text)
        }
        XCTAssertNil(LXCConfig(json: ["format": 2, "default-remote": "x", "remotes": [:], "aliases": [:]]))
        XCTAssertNil(LXCConfig(json: ["format": 1, "default-remote": "x", "remotes": ["r": ["addr": 1]], "aliases": [:]]))
    }

    func testNormalizedJSONText() throws {
        XCTAssertEqual(
            try ConfigYAML.normalizedJSON("remotes:\n  r: {addr: 'unix://', project: p}\n"),
            #"{"format":1,"default-remote":"local","remotes":{"r":{"addr":"unix://","protocol":"lxd","project":"p","public":false}},"aliases":{}}"#)
    }

    /// The JSON module's YAML writer output reads back (with Yams) to the same value.
    func testYAMLWriterOutputReadsBackWithYams() throws {
        let v: JSONValue = [
            "s": "plain", "q": "true", "n": "0", "e": "", "m": "a\nb\n", "c": "a: b",
            "list": ["-c", "x", ["k": "v", "k2": [1, 2]]], "empty": [:], "none": nil, "num": 137,
            "neg": -1.5, "dash": "- x", "colon": "a:b", "uni": "é ✓", "tab": "a\tb",
        ]
        let yaml = YAMLWriter.string(for: v)
        let loaded = try Yams.load(yaml: yaml)
        XCTAssertEqual(toJSON(loaded), v, yaml)
    }

    func toJSON(_ any: Any?) -> JSONValue {
        switch any {
        case nil: return .null
        case let s as String: return .string(s)
        case let b as Bool: return .bool(b)
        case let i as Int: return .number(.int(Int64(i)))
        case let d as Double: return .number(.double(d))
        case let a as [Any]: return .array(a.map(toJSON))
        case let d as [AnyHashable: Any]:
            var o = JSONObject()
            for (k, v) in d { o[k.base as? String ?? "\(k)"] = toJSON(v) }
            return .object(o)
        default:
            if "\(any!)" == "<null>" || any is NSNull { return .null }
            return .string("?\(String(describing: any))")
        }
    }
}
