import JSON
import XCTest

final class YAMLWriterTests: XCTestCase {
    func testOperationShowShape() throws {
        let op = try JSONValue.parse(
            #"""
            {"id":"6916c8a6-9b8e","class":"websocket","description":"Executing command",
             "created_at":"2024-05-01T10:00:00.123Z","status":"Running","status_code":103,
             "resources":{"instances":["/1.0/instances/c1"]},
             "metadata":{"command":["sh","-c","exit 5"],"environment":{},"fds":{"0":"abc","control":"def"},"interactive":false},
             "may_cancel":false,"err":"","location":"none","ratio":0.5,"parent":null,"tags":[]}
            """#)
        let expected = """
            id: 6916c8a6-9b8e
            class: websocket
            description: Executing command
            created_at: 2024-05-01T10:00:00.123Z
            status: Running
            status_code: 103
            resources:
              instances:
              - /1.0/instances/c1
            metadata:
              command:
              - sh
              - -c
              - exit 5
              environment: {}
              fds:
                "0": abc
                control: def
              interactive: false
            may_cancel: false
            err: ""
            location: none
            ratio: 0.5
            parent: null
            tags: []

            """
        XCTAssertEqual(YAMLWriter.string(for: op), expected)
    }

    func testSequencesOfMappingsAndSequences() {
        let v: JSONValue = ["items": [["a": 1, "b": ["x", "y"]], [1, [2, 3]], [:], "s"]]
        let expected = """
            items:
            - a: 1
              b:
              - x
              - "y"
            - - 1
              - - 2
                - 3
            - {}
            - s

            """
        XCTAssertEqual(YAMLWriter.string(for: v), expected)
    }

    func testTopLevelScalarsAndEmpties() {
        XCTAssertEqual(YAMLWriter.string(for: nil), "null\n")
        XCTAssertEqual(YAMLWriter.string(for: [:]), "{}\n")
        XCTAssertEqual(YAMLWriter.string(for: []), "[]\n")
        XCTAssertEqual(YAMLWriter.string(for: "plain"), "plain\n")
        XCTAssertEqual(YAMLWriter.string(for: ["a", 1]), "- a\n- 1\n")
    }

    /// yaml.v2's choices (what `lxc ... show` prints): double quotes for what would read
    /// back as another type or needs escapes, single quotes for strings plain style cannot carry.
    func testQuotingRules() {
        let doubleQuoted = [
            "", "true", "False", "yes", "NO", "on", "off", "y", "n", "null", "~", "0", "137", "-5",
            "1.5", ".5", "1e3", "0x1F", "0o17", "0b101", "1_000", "12:30", ".inf", "-.Inf", ".NaN", "a\tb",
        ]
        for s in doubleQuoted {
            let out = YAMLWriter.string(for: ["k": .string(s)])
            XCTAssertTrue(out.hasPrefix("k: \""), "should double-quote \(s.debugDescription): \(out)")
        }
        let singleQuoted = [
            " lead", "trail ", "- item", "-", "---", "...", "? x", "?", "a: b", "a #c", "end:", "#x", "[x", "{x",
            "*ref", "&anchor", "!tag", "|", ">", "\"q", "%x", "@x", "`x", ",x", "cat > /dev/null; : marker",
        ]
        for s in singleQuoted {
            XCTAssertEqual(YAMLWriter.string(for: ["k": .string(s)]), "k: '\(s)'\n", s)
        }
        XCTAssertEqual(YAMLWriter.string(for: ["k": "'q"]), "k: '''q'\n", "a quote doubled")
        let plain = [
            "abc", "Running", "/1.0/instances/c1", "10.0.0.5", "1.0.0", "2024-05-01", "a:b", "a#b",
            "éè ✓", "x-y", "c1", "-c", "--all", "?x", ":x", "unix://", "https://10.0.0.5:8443", "hello world",
        ]
        for s in plain {
            XCTAssertEqual(YAMLWriter.string(for: ["k": .string(s)]), "k: \(s)\n", s)
        }
    }

    func testDoubleQuotedEscapes() {
        XCTAssertEqual(
            YAMLWriter.string(for: .string("a\"b\\c\u{1}\u{7f}\r\u{2028}")),
            #""a\"b\\c\x01\x7f\r\L""# + "\n")
        XCTAssertEqual(YAMLWriter.string(for: ["": 1]), "\"\": 1\n")
        XCTAssertEqual(YAMLWriter.string(for: ["a\nb": 1]), "\"a\\nb\": 1\n", "keys never blocks")
        XCTAssertEqual(YAMLWriter.string(for: .string(" x\ny")), "\" x\\ny\"\n")
        XCTAssertEqual(YAMLWriter.string(for: .string("a\tb\nc")), "\"a\\tb\\nc\"\n")
    }

    func testLiteralBlocks() {
        let v: JSONValue = [
            "clip": "line1\nline2\n", "strip": "a\n\nb", "keep": "x\n\n", "next": 1,
            "list": ["p\nq"],
        ]
        let expected = """
            clip: |
              line1
              line2
            strip: |-
              a

              b
            keep: |+
              x

            next: 1
            list:
            - |-
              p
              q

            """
        XCTAssertEqual(YAMLWriter.string(for: v), expected)
    }

    func testNestedIndentation() {
        let v: JSONValue = ["a": ["b": ["c": ["d"]]]]
        XCTAssertEqual(YAMLWriter.string(for: v), "a:\n  b:\n    c:\n    - d\n")
    }
}
