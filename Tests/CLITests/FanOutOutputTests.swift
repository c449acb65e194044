import ArgumentParser
import Foundation
import LXD
import XCTest

@testable import lxattach

/// Fan-out's pure parts in the CLI: arguments, line cutting, the output formats, the
/// summary line and the exit status.
final class FanOutOutputTests: XCTestCase {
    func testWhatMakesAnExecAFanOut() throws {
        XCTAssertFalse(try ExecCommand.parse(["c1", "--", "true"]).isFanOut, "a plain name is the plain exec")
        XCTAssertFalse(try ExecCommand.parse(["tls:c1", "--timeout", "3", "--", "true"]).isFanOut)
        for args in [["a,b"], ["w[1-2]"], ["w-*"], ["c1", "--gather"], ["c1", "--format", "jsonl"],
                     ["c1", "--outdir", "/tmp/x"], ["c1", "--stdin"], ["c1", "--location", "m1"]] {
            XCTAssertTrue(try ExecCommand.parse(args + ["--", "true"]).isFanOut, "\(args)")
        }
    }

    func testAllTakesARemoteOrNothingAndKeepsTheWholeCommand() throws {
        let plain = try ExecCommand.parse(["--all", "--", "uptime", "-p"])
        XCTAssertEqual(plain.argv, ["uptime", "-p"])
        XCTAssertNil(plain.fanOutOptions.pattern)
        let remote = try ExecCommand.parse(["--all", "tls:", "--", "uptime"])
        XCTAssertEqual(remote.argv, ["uptime"])
        XCTAssertEqual(remote.fanOutOptions.pattern, "tls:")
        XCTAssertEqual(try FanOutElement.parse("tls:", all: true), [.all(remote: "tls:")])
        XCTAssertEqual(try FanOutElement.parse(nil, all: true), [.all(remote: nil)])
        XCTAssertThrowsError(try FanOutElement.parse("web1", all: true))
        XCTAssertEqual(try FanOutElement.parse("a[1-2],p:w-*", all: false), [.name("a1"), .name("a2"), .glob("p:w-*")])
    }

    func testAnInstanceNamedBeforeTheCommandIsToldFromAnOptionValue() {
        XCTAssertTrue(ExecCommand.namesInstanceBeforeCommand("web1", in: ["exec", "--all", "web1", "--", "uptime"]))
        XCTAssertFalse(ExecCommand.namesInstanceBeforeCommand("sh", in: ["exec", "--all", "--cwd", "sh", "--", "sh", "-c", "x"]))
        XCTAssertFalse(ExecCommand.namesInstanceBeforeCommand("uptime", in: ["exec", "--all", "--", "uptime"]))
        XCTAssertFalse(ExecCommand.namesInstanceBeforeCommand("uptime", in: ["exec", "--all", "uptime"]), "no -- at all: a command")
    }

    func testFanOutOptionsAreValidated() {
        for args in [["w[1-2]", "-t"], ["w[1-2]", "--mode", "interactive"], ["w[1-2]", "--gather", "--format", "jsonl"],
                     ["w[1-2]", "--gather", "--outdir", "d"], ["c1", "--timeout", "0"], ["c1", "--timeout", "-1"],
                     ["w[1-2]", "--parallel", "0"], ["w[1-2]", "--stdin", "-n"], ["w[1-2]", "--format", "xml"]] {
            XCTAssertThrowsError(try ExecCommand.parse(args + ["--", "true"]), "\(args)")
        }
        XCTAssertNoThrow(try ExecCommand.parse(["c1", "-t", "--timeout", "1.5", "--", "sh"]), "a single exec may be interactive")
    }

    /// Pieces put together are the input, whatever the chunking; lines keep their newline.
    func testLineSplitterIsLossless() {
        var rng = SystemRandomNumberGenerator()
        for round in 0..<40 {
            // Some long lines (past maxLine), some short ones.
            let length = Int.random(in: 0...(round % 4 == 0 ? 3 * LineSplitter.maxLine : 4000), using: &rng)
            var input = [UInt8](repeating: 0, count: length)
            for k in input.indices { input[k] = UInt8(truncatingIfNeeded: rng.next()) }
            for _ in 0..<(length / (round % 2 == 0 ? 40 : 20_000)) { input[Int.random(in: 0..<length, using: &rng)] = 10 }
            var splitter = LineSplitter()
            var output: [UInt8] = []
            var pieces: [([UInt8], Bool)] = []
            var i = 0
            while i < input.count {
                let n = min(input.count - i, Int.random(in: 1...70_000, using: &rng))
                input[i..<(i + n)].withUnsafeBytes { chunk in
                    splitter.feed(chunk) { piece, complete in pieces.append((Array(piece), complete)) }
                }
                i += n
            }
            splitter.finish { piece, complete in pieces.append((Array(piece), complete)) }
            for (piece, complete) in pieces {
                output += piece
                XCTAssertLessThanOrEqual(piece.count, LineSplitter.maxLine)
                XCTAssertEqual(complete, piece.last == 10)
                XCTAssertNil(piece.dropLast().firstIndex(of: 10), "one line per piece")
            }
            XCTAssertEqual(output, input)
        }
    }

    func testPrefixesAlignAndColourOnlyWhenAsked() {
        XCTAssertEqual(PrefixStyle().prefix("web1", index: 0, width: 5), "web1: ")
        XCTAssertEqual(PrefixStyle(align: true).prefix("web1", index: 0, width: 6), "web1:   ")
        XCTAssertEqual(PrefixStyle(align: true, colour: true).prefix("web10", index: 1, width: 5), "\u{1B}[32mweb10:\u{1B}[0m ")
    }

    func testJSONLinesAreLosslessForAnyBytes() throws {
        func decode(_ line: [UInt8]) throws -> [String: Any] {
            XCTAssertEqual(line.last, 10)
            return try JSONSerialization.jsonObject(with: Data(line.dropLast())) as! [String: Any]
        }
        let text = try Array("say \"hi\"\t\u{1}é\n".utf8).withUnsafeBytes { try decode(JSONLinesSink.line(instance: "w1", stream: 1, $0)) }
        XCTAssertEqual(text["instance"] as? String, "w1")
        XCTAssertEqual(text["stream"] as? String, "stderr")
        XCTAssertEqual(text["data"] as? String, "say \"hi\"\t\u{1}é\n")
        var rng = SystemRandomNumberGenerator()
        for n in 0..<40 {
            let bytes: [UInt8] = [0xFF] + (0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let object = try bytes.withUnsafeBytes { try decode(JSONLinesSink.line(instance: "w1", stream: 0, $0)) }
            XCTAssertNil(object["data"])
            XCTAssertEqual(Data(base64Encoded: object["data_b64"] as! String).map(Array.init), bytes)
        }
        let final = try decode(JSONLinesSink.final(instance: "w2", .failed(.notRunning, "Instance is not running")))
        XCTAssertEqual(final["status"] as? Int, 255)
        XCTAssertEqual(final["error"] as? String, "Instance is not running")
        let timedOut = try decode(JSONLinesSink.final(instance: "w3", FanOutOutcome(kind: .timedOut, message: nil)))
        XCTAssertEqual(timedOut["status"] as? Int, 124)
        XCTAssertEqual(timedOut["timed_out"] as? Bool, true)
    }

    func testGatherGroupsIdenticalResults() {
        func kept(_ out: String, _ outcome: FanOutOutcome) -> GatherSink.Kept {
            GatherSink.Kept(stdout: Array(out.utf8), stderr: [], outcome: outcome)
        }
        let all = [kept("a\n", .exited(0)), kept("b\n", .exited(0)), kept("a\n", .exited(0)), kept("a\n", .exited(1)),
                   kept("", .failed(.notRunning, "Instance is not running")), kept("a\n", .exited(0))]
        XCTAssertEqual(GatherSink.groups(all), [[0, 2, 5], [1], [3], [4]])
        XCTAssertEqual(GatherSink.title("w[1-3]", .exited(0)), "w[1-3]")
        XCTAssertEqual(GatherSink.title("w4", .exited(3)), "w4 (exit 3)")
        XCTAssertEqual(GatherSink.title("w5", .failed(.notRunning, "Instance is not running")),
                       "w5 (not running): Error: Instance is not running")
    }

    func testSummaryLineAndExitStatus() {
        var results: [(name: String, outcome: FanOutOutcome)] = (1...20).map { ("web\($0)", .exited(0)) }
        XCTAssertNil(FanOutSummary.line(results), "nothing to say when all went well")
        results[3].outcome = .exited(3)
        results[19].outcome = .failed(.notRunning, "Instance is not running")
        XCTAssertEqual(FanOutSummary.line(results), "18 ok, 1 exited 3: web4, 1 not running: web20")
        results[5].outcome = FanOutOutcome(kind: .timedOut, message: "timed out")
        results[6].outcome = .exited(3)
        results[7].outcome = .exited(1)
        XCTAssertEqual(FanOutSummary.line(results),
                       "15 ok, 1 exited 1: web8, 2 exited 3: web[4,7], 1 timed out: web6, 1 not running: web20")
        XCTAssertEqual(FanOutSummary.exitStatus(results.map(\.outcome)), 255)
        XCTAssertEqual(FanOutSummary.exitStatus([.exited(0), .exited(3), FanOutOutcome(kind: .timedOut, message: nil)]), 124)
        XCTAssertEqual(FanOutSummary.exitStatus([.exited(0), .exited(3)]), 3)
        XCTAssertEqual(FanOutSummary.exitStatus([]), 0)
    }

    func testLXDErrorsAreCountedByWhatTheyMean() {
        XCTAssertEqual(FanOutFailure(.api(code: 404, message: "Instance not found")), .notFound)
        XCTAssertEqual(FanOutFailure(.api(code: 400, message: "Instance is not running")), .notRunning)
        XCTAssertEqual(FanOutFailure(.transport(.tcpConnectFailed(host: "h", port: 1, errno: 111))), .unreachable)
        XCTAssertEqual(FanOutFailure(.api(code: 403, message: "not authorized")), .failed)
    }

    func testTimeoutCountsAs124EvenWhenTheEndWasLost() {
        var r = ExecResult()
        r.exitStatus = 143
        r.timedOut = true
        XCTAssertEqual(FanOutOutcome(.success(r), timeout: 2, elapsed: 2.1).status, 124)
        let lost = FanOutOutcome(.failure(.sessionLost("no exit status")), timeout: 2, elapsed: 10)
        XCTAssertEqual(lost.kind, .timedOut)
        XCTAssertEqual(FanOutOutcome(.failure(.sessionLost("x")), timeout: 20, elapsed: 10).kind, .failed(.failed))
    }
}
