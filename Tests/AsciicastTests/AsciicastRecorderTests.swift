import Asciicast
import JSON
import XCTest

/// The recorder as a pure value: exact lines, UTF-8 carried across pieces, invalid bytes
/// replaced, every control character escaped, time monotonic.
final class AsciicastRecorderTests: XCTestCase {
    /// Feeds `pieces` as output at 1 ms, 2 ms, … and finishes; returns the lines.
    func record(_ pieces: [[UInt8]], finish: Bool = true) -> [String] {
        var r = AsciicastRecorder(start: 1_000_000_000)
        var out: [UInt8] = []
        for (i, p) in pieces.enumerated() {
            p.withUnsafeBytes { r.output($0, at: 1_000_000_000 + UInt64(i + 1) * 1_000_000, to: &out) }
        }
        if finish { r.finish(at: 2_000_000_000, to: &out) }
        return lines(out)
    }

    func lines(_ out: [UInt8]) -> [String] {
        XCTAssertTrue(out.isEmpty || out.last == 0x0A, "every line ends with a newline")
        return String(decoding: out, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// The text of each event (parsed as JSON, as a player does).
    func texts(_ lines: [String]) throws -> [String] {
        try lines.map { line in
            let v = try JSONValue.parse(Array(line.utf8))
            guard let a = v.arrayValue, a.count == 3, let t = a[2].stringValue else {
                XCTFail("not an event: \(line)")
                return ""
            }
            return t
        }
    }

    func testOutputLineExact() {
        XCTAssertEqual(record([Array("hi\r\n".utf8)]), [#"[0.001000, "o", "hi\r\n"]"#])
    }

    func testEveryControlCharacterEscaped() throws {
        var expected: [UInt8: String] = [0x08: #"\b"#, 0x09: #"\t"#, 0x0A: #"\n"#, 0x0C: #"\f"#, 0x0D: #"\r"#]
        for b in UInt8(0)...0x1F where expected[b] == nil {
            expected[b] = "\\u00" + String(b, radix: 16).leftPadded(2)
        }
        expected[0x7F] = #"\u007f"#
        expected[0x22] = #"\""#
        expected[0x5C] = #"\\"#
        for (b, escape) in expected {
            XCTAssertEqual(record([[b]]), ["[0.001000, \"o\", \"\(escape)\"]"], "byte \(b)")
            XCTAssertEqual(try texts(record([[b]])), [String(UnicodeScalar(b))], "byte \(b)")
        }
        // C1 controls and the line/paragraph separators.
        for scalar in Array(0x80...0x9F) + [0x2028, 0x2029] {
            let s = String(UnicodeScalar(UInt32(scalar))!)
            let escape = "\\u" + String(scalar, radix: 16).leftPadded(4)
            XCTAssertEqual(record([Array(s.utf8)]), ["[0.001000, \"o\", \"\(escape)\"]"], "U+\(scalar)")
            XCTAssertEqual(try texts(record([Array(s.utf8)])), [s])
        }
        // Nothing else: printable ASCII, and valid multi-byte characters, as they are.
        let plain = String((0x20...0x7E).map { Character(UnicodeScalar(UInt8($0))) }.filter { $0 != "\"" && $0 != "\\" })
            + "é€😀\u{A0}\u{2027}\u{202A}"
        XCTAssertEqual(record([Array(plain.utf8)]), ["[0.001000, \"o\", \"\(plain)\"]"])
        // Every line parses back to the bytes that went in (long runs take the word path).
        let all = (0...0x7F).map { UInt8($0) } + Array("ascii run of more than eight bytes\u{1b}[0m".utf8)
        XCTAssertEqual(try texts(record([all])).joined(), String(decoding: all, as: UTF8.self))
    }

    func testFourByteSequenceCarriedAtEverySplit() throws {
        let bytes = Array("a😀b".utf8)  // 61 F0 9F 98 80 62
        XCTAssertEqual(bytes.count, 6)
        // Two pieces, every cut.
        for cut in 0...bytes.count {
            let t = try texts(record([Array(bytes[..<cut]), Array(bytes[cut...])]))
            XCTAssertEqual(t.joined(), "a😀b", "cut at \(cut)")
            XCTAssertFalse(t.contains { $0.contains("\u{FFFD}") }, "cut at \(cut)")
        }
        // Every byte on its own: the lead and the two middle bytes make no line.
        let lines = record(bytes.map { [$0] })
        XCTAssertEqual(lines, [#"[0.001000, "o", "a"]"#, #"[0.005000, "o", "😀"]"#, #"[0.006000, "o", "b"]"#])
        // Three pieces, every pair of cuts.
        for i in 0...bytes.count {
            for j in i...bytes.count {
                let t = try texts(record([Array(bytes[..<i]), Array(bytes[i..<j]), Array(bytes[j...])]))
                XCTAssertEqual(t.joined(), "a😀b", "cuts at \(i), \(j)")
            }
        }
    }

    func testUnfinishedSequenceAtTheEnd() throws {
        // Held back until the end, then one U+FFFD in its own event.
        let lines = record([[0x41, 0xF0, 0x9F, 0x98]])
        XCTAssertEqual(lines, [#"[0.001000, "o", "A"]"#, "[1.000000, \"o\", \"\u{FFFD}\"]"])
        XCTAssertEqual(record([[0x41]]), [#"[0.001000, "o", "A"]"#], "nothing held back: no extra line")
    }

    func testInvalidBytes() throws {
        let cases: [([UInt8], String)] = [
            ([0xFF], "\u{FFFD}"),
            ([0x41, 0x80, 0x42], "A\u{FFFD}B"),  // a lone continuation byte
            ([0xC0, 0x80], "\u{FFFD}\u{FFFD}"),  // overlong: C0 never starts a sequence
            ([0xE0, 0x80, 0x80], "\u{FFFD}\u{FFFD}\u{FFFD}"),  // overlong 3-byte
            ([0xED, 0xA0, 0x80], "\u{FFFD}\u{FFFD}\u{FFFD}"),  // a surrogate
            ([0xF4, 0x90, 0x80, 0x80], "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}"),  // above U+10FFFF
            ([0xE2, 0x82, 0x41], "\u{FFFD}A"),  // a cut sequence is one U+FFFD
            ([0xF0, 0x9F, 0x98, 0xF0, 0x9F, 0x98, 0x80], "\u{FFFD}😀"),
        ]
        for (bytes, text) in cases {
            XCTAssertEqual(try texts(record([bytes])).joined(), text, "\(bytes)")
            // The same cut anywhere.
            for cut in 0...bytes.count {
                XCTAssertEqual(try texts(record([Array(bytes[..<cut]), Array(bytes[cut...])])).joined(), text, "\(bytes) cut at \(cut)")
            }
        }
    }

    /// Random bytes, cut at random points: the text is what Swift's own decoder makes of
    /// the whole (maximal subparts, one U+FFFD each), and each line is valid JSON.
    func testRandomStreamsMatchSwiftsDecoder() throws {
        var rng = SplitMix(seed: 21)
        let alphabet: [UInt8] = [0x00, 0x1B, 0x22, 0x41, 0x5C, 0x7F, 0x80, 0x9F, 0xBF, 0xC2, 0xC3, 0xDF, 0xE0, 0xE2, 0xED,
                                 0xEF, 0xF0, 0xF4, 0xF5, 0xFF, 0xA0, 0x90, 0x8F, 0x98, 0x0A]
        for _ in 0..<2000 {
            let n = Int(rng.next() % 40)
            let bytes = (0..<n).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] }
            var pieces: [[UInt8]] = []
            var i = 0
            while i < n {
                let len = 1 + Int(rng.next() % 5)
                pieces.append(Array(bytes[i..<min(n, i + len)]))
                i += len
            }
            XCTAssertEqual(try texts(record(pieces)).joined(), String(decoding: bytes, as: UTF8.self), "\(bytes) in \(pieces)")
        }
    }

    func testTimeIsMonotonic() {
        var r = AsciicastRecorder(start: 5_000_000_000)
        var out: [UInt8] = []
        let times: [UInt64] = [5_000_000_000, 4_000_000_000, 6_500_000_999, 6_400_000_000, 7_000_001_000, 65_000_000_000]
        for t in times { [UInt8(ascii: "x")].withUnsafeBytes { r.output($0, at: t, to: &out) } }
        r.resize(columns: 100, rows: 40, at: 1, to: &out)
        XCTAssertEqual(lines(out), [
            #"[0.000000, "o", "x"]"#, #"[0.000000, "o", "x"]"#, #"[1.500000, "o", "x"]"#, #"[1.500000, "o", "x"]"#,
            #"[2.000001, "o", "x"]"#, #"[60.000000, "o", "x"]"#, #"[60.000000, "r", "100x40"]"#,
        ])
        // A piece that makes no line does not move time forward either.
        var s = AsciicastRecorder(start: 0)
        var o: [UInt8] = []
        [UInt8(0xF0)].withUnsafeBytes { s.output($0, at: 9_000_000_000, to: &o) }
        [UInt8(0x41)].withUnsafeBytes { s.input($0, at: 1_000_000_000, to: &o) }
        XCTAssertEqual(lines(o), [#"[1.000000, "i", "A"]"#])
    }

    func testInputAndOutputCarryApart() {
        var r = AsciicastRecorder(start: 0)
        var out: [UInt8] = []
        [UInt8(0xC3)].withUnsafeBytes { r.output($0, at: 1000, to: &out) }
        [UInt8(0xE2), 0x82].withUnsafeBytes { r.input($0, at: 2000, to: &out) }
        [UInt8(0xA9)].withUnsafeBytes { r.output($0, at: 3000, to: &out) }
        [UInt8(0xAC)].withUnsafeBytes { r.input($0, at: 4000, to: &out) }
        XCTAssertEqual(lines(out), [#"[0.000003, "o", "é"]"#, #"[0.000004, "i", "€"]"#])
    }

    func testHeaderLine() {
        let h = AsciicastHeader(width: 100, height: 30, timestamp: 1_780_000_000, term: "xterm-256color", shell: "/bin/bash",
                                title: "local:c1 su -l")
        XCTAssertEqual(String(decoding: h.line, as: UTF8.self),
                       #"{"version":2,"width":100,"height":30,"timestamp":1780000000,"env":{"TERM":"xterm-256color","SHELL":"/bin/bash"},"title":"local:c1 su -l"}"# + "\n")
        let bare = AsciicastHeader(width: 80, height: 24, timestamp: 0)
        XCTAssertEqual(String(decoding: bare.line, as: UTF8.self), #"{"version":2,"width":80,"height":24,"timestamp":0,"env":{}}"# + "\n")
    }
}

/// A small deterministic generator (no Foundation).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}

extension AsciicastRecorderTests {
    /// stdout and stderr are both "o", in the order given, each with its own carry: a
    /// character cut on one is not broken by the other's bytes between its pieces.
    func testTwoOutputsCarryApart() {
        var r = AsciicastRecorder(start: 0)
        var out: [UInt8] = []
        [UInt8(0xF0), 0x9F].withUnsafeBytes { r.text($0, .output, at: 1000, to: &out) }
        Array("err\n".utf8).withUnsafeBytes { r.text($0, .secondOutput, at: 2000, to: &out) }
        [UInt8(0x98), 0x80].withUnsafeBytes { r.text($0, .output, at: 3000, to: &out) }
        [UInt8(0xC3)].withUnsafeBytes { r.text($0, .secondOutput, at: 4000, to: &out) }
        r.finish(at: 5000, to: &out)
        XCTAssertEqual(lines(out), [#"[0.000002, "o", "err\n"]"#, #"[0.000003, "o", "😀"]"#, "[0.000005, \"o\", \"\u{FFFD}\"]"])
    }
}

extension AsciicastRecorderTests {
    /// Pieces larger than the scratch buffer: long plain runs, runs of escapes (NUL is six
    /// bytes of JSON), multi-byte characters, cut at random: the text is Swift's decoding.
    func testLargePiecesMatchSwiftsDecoder() throws {
        var rng = SplitMix(seed: 2121)
        for round in 0..<20 {
            var bytes: [UInt8] = []
            while bytes.count < 60_000 {
                switch rng.next() % 4 {
                case 0: bytes += Array(repeating: UInt8(ascii: "a") + UInt8(rng.next() % 26), count: Int(rng.next() % 9000))
                case 1: bytes += Array(repeating: 0, count: Int(rng.next() % 3000))
                case 2: bytes += Array(String(repeating: "é😀\u{1b}[0m\r\n", count: Int(rng.next() % 500)).utf8)
                default: bytes += (0..<Int(rng.next() % 2000)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                }
            }
            var pieces: [[UInt8]] = []
            var i = 0
            while i < bytes.count {
                let len = 1 + Int(rng.next() % 20_000)
                pieces.append(Array(bytes[i..<min(bytes.count, i + len)]))
                i += len
            }
            XCTAssertEqual(try texts(record(pieces)).joined(), String(decoding: bytes, as: UTF8.self), "round \(round)")
        }
    }
}
