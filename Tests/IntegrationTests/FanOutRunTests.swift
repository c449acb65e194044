// How `lxattach exec` runs on many instances, against the real daemon: --parallel
// (overlap measured inside the instances, no timing thresholds), --timeout, signals
// to every session, --stdin, the descriptor limit, and rounds with no hang.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class FanOutRunTests: IntegrationTestCase {
    private func lines(_ text: String) -> [String] {
        text.split(separator: "\n").map(String.init)
    }

    /// The most sessions that ran at once: each instance prints the host clock
    /// (busybox adjtimex: µs) when its command starts and ends.
    /// Each command sleeps `seconds`: longer than setting up `parallel` sessions.
    private func maxOverlap(parallel: Int, set: String, count: Int, seconds: Int = 1,
                            file: StaticString = #filePath, line: UInt = #line) throws -> Int {
        let clock = "adjtimex | sed -n 's/.*tv_sec: *//p;s/.*tv_usec: *//p' | tr '\\n' ' '"
        let cmd = "t() { \(clock); }; echo \"start $(t)\"; sleep \(seconds); echo \"end $(t)\""
        let r = try lxattach(["exec", "--parallel", "\(parallel)", set, "--", "sh", "-c", cmd], timeout: 120, file: file, line: line)
        XCTAssertEqual(r.status, 0, "\(r)", file: file, line: line)
        var start: [String: Double] = [:], end: [String: Double] = [:]
        for l in lines(r.stdoutText) {
            let f = l.split(separator: " ")
            guard f.count == 4, let s = Double(f[2]), let us = Double(f[3]) else { continue }
            let name = String(f[0].dropLast())
            if f[1] == "start" { start[name] = s + us / 1e6 } else { end[name] = s + us / 1e6 }
        }
        XCTAssertEqual(start.count, count, "\(r)", file: file, line: line)
        XCTAssertEqual(end.count, count, "\(r)", file: file, line: line)
        // At each start, how many intervals hold that instant.
        return start.map { name, s in start.keys.filter { start[$0]! <= s && s < end[$0] ?? 0 }.count }.max() ?? 0
    }

    func testParallelBoundsTheSessionsAtOnce() throws {
        XCTAssertEqual(try maxOverlap(parallel: 3, set: "lxa-f[01-09]", count: 9), 3)
        XCTAssertEqual(try maxOverlap(parallel: 1, set: "lxa-f[01-03]", count: 3), 1)
        XCTAssertEqual(try maxOverlap(parallel: 32, set: Testbed.fanOutSet, count: 20, seconds: 4), 20)
    }

    func testTimeoutCountsAs124() throws {
        let started = Date()
        let r = try lxattach(["exec", "--timeout", "1", "lxa-f[01-03]", "--", "sh", "-c",
                              "if [ $(hostname) = lxa-f01 ]; then exec sleep 30; fi; echo quick"])
        XCTAssertLessThan(Date().timeIntervalSince(started), 15, "\(r)")
        XCTAssertEqual(r.status, 124, "\(r)")
        XCTAssertEqual(Set(lines(r.stdoutText)), ["lxa-f02: quick", "lxa-f03: quick"])
        XCTAssertEqual(lines(r.stderrText), ["lxa-f01: Error: timed out after 1 s", "2 ok, 1 timed out: lxa-f01"], "\(r)")

        // A command that ignores SIGTERM is ended a grace later.
        let stubborn = try lxattach(["exec", "--timeout", "1", "lxa-f[01-02]", "--", "sh", "-c",
                                     "trap '' TERM; while true; do sleep 0.1; done"])
        XCTAssertEqual(stubborn.status, 124, "\(stubborn)")
        XCTAssertTrue(stubborn.stderrText.contains("lxa-f01: Error: timed out after 1 s; ended the command"), "\(stubborn)")
        XCTAssertEqual(lines(stubborn.stderrText).last, "0 ok, 2 timed out: lxa-f[01-02]")

        // The single exec takes it too.
        let single = try lxattach(["exec", "--timeout", "1", Testbed.c1, "--", "sleep", "30"])
        XCTAssertEqual(single.status, 124, "\(single)")
        XCTAssertEqual(single.stderrText, "Error: timed out after 1 s\n")
        let quick = try lxattach(["exec", "--timeout", "20", Testbed.c1, "--", "sh", "-c", "exit 3"])
        XCTAssertEqual(quick.status, 3, "\(quick)")
    }

    func testSignalsReachEverySessionAndASecondOneEndsThem() throws {
        let trap = "trap 'echo got INT; exit 5' INT; echo ready; while true; do sleep 0.1; done"
        let child = try LiveChild(["exec", "lxa-f[01-05]", "--", "sh", "-c", trap])
        for n in Testbed.fanOut.prefix(5) { guard child.readStdout(until: "\(n): ready\n", timeout: 20) else { return } }
        child.signal(SIGINT)
        guard child.wait(timeout: 15) else { return }
        XCTAssertEqual(child.status, 5, "\(child)")
        XCTAssertEqual(Set(lines(child.stdoutText)), Set((1...5).flatMap { ["lxa-f0\($0): ready", "lxa-f0\($0): got INT"] }))

        // Ignored: the second signal ends every session at once.
        let deaf = try LiveChild(["exec", "lxa-f[01-04]", "--", "sh", "-c", "trap '' INT TERM; echo ready; while true; do sleep 0.1; done"])
        for n in Testbed.fanOut.prefix(4) { guard deaf.readStdout(until: "\(n): ready\n", timeout: 20) else { return } }
        deaf.signal(SIGTERM)
        usleep(300_000)  // two signals sent at once may merge into one (standard signals do not queue)
        deaf.signal(SIGTERM)
        guard deaf.wait(timeout: 10) else { return }
        XCTAssertNotEqual(deaf.status, 0, "\(deaf)")
        XCTAssertEqual(lines(deaf.stderrText).filter { $0.hasSuffix(": Error: ended the command: received SIGTERM twice") }.count, 4, "\(deaf)")
    }

    func testNoSessionStartsAfterASignal() throws {
        let trap = "trap 'exit 5' INT; echo ready; while true; do sleep 0.1; done"
        let child = try LiveChild(["exec", "--parallel", "2", "lxa-f[01-06]", "--", "sh", "-c", trap])
        for n in Testbed.fanOut.prefix(2) { guard child.readStdout(until: "\(n): ready\n", timeout: 20) else { return } }
        child.signal(SIGINT)
        guard child.wait(timeout: 15) else { return }
        XCTAssertEqual(child.status, 255, "\(child)")
        XCTAssertEqual(lines(child.stderrText).last, "0 ok, 2 exited 5: lxa-f[01-02], 4 not started: lxa-f[03-06]", "\(child)")
    }

    func testStdinIsSentToEveryInstanceOnlyWhenAsked() throws {
        var bytes = [UInt8](repeating: 0, count: 3 << 20)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: rng.next()) }
        let path = NSTemporaryDirectory() + "lxattach-stdin-\(getpid())"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let hash = String(try runCommand("sha256sum", [path]).stdoutText.prefix(64))

        let r = try lxattach(["exec", "--stdin", Testbed.fanOutSet, "--", "sha256sum"], stdin: .file(path), timeout: 120)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(Set(lines(r.stdoutText)), Set(Testbed.fanOut.map { "\($0): \(hash)  -" }), "\(r)")
        // Through a pipe as well (read as it comes, not as a file).
        let piped = try lxattach(["exec", "--stdin", "lxa-f[01-03]", "--", "wc", "-c"], stdin: .bytes(Array(bytes.prefix(300_000))))
        XCTAssertEqual(Set(lines(piped.stdoutText).map { $0.replacingOccurrences(of: " ", with: "") }),
                       ["lxa-f01:300000", "lxa-f02:300000", "lxa-f03:300000"], "\(piped)")

        let none = try lxattach(["exec", "lxa-f[01-02]", "--", "wc", "-c"], stdin: .text("not for them\n"))
        XCTAssertEqual(Set(lines(none.stdoutText).map { $0.replacingOccurrences(of: " ", with: "") }), ["lxa-f01:0", "lxa-f02:0"])

        let narrow = try lxattach(["exec", "--stdin", "--parallel", "2", "lxa-f[01-03]", "--", "true"])
        XCTAssertEqual(narrow.status, 255)
        XCTAssertTrue(narrow.stderrText.hasPrefix("Error: --stdin ") && narrow.stderrText.contains("--parallel 3"), "\(narrow)")
    }

    func testInteractiveIsRefused() throws {
        let r = try lxattach(["exec", "-t", "lxa-f[01-02]", "--", "sh"])
        XCTAssertEqual(r.status, 255)
        XCTAssertTrue(r.stderrText.hasPrefix("Error: a command on many instances cannot be interactive"), "\(r)")
        XCTAssertEqual(lines(r.stderrText).count, 1)
    }

    func testParallelIsCheckedAgainstTheDescriptorLimit() throws {
        let bin = try Built.lxattach()
        let low = try runCommand("sh", ["-c", "ulimit -n 100 && exec \"$0\" \"$@\"", bin, "exec", Testbed.fanOutSet, "--", "true"],
                                 environment: ["LXD_CONF": Testbed.conf])
        XCTAssertEqual(low.status, 255, "\(low)")
        XCTAssertTrue(low.stderrText.contains("needs about 152 file descriptors") && low.stderrText.contains("--parallel 11 or less"), "\(low)")
        // Only the soft limit low: raised as needed.
        let soft = try runCommand("sh", ["-c", "ulimit -S -n 40 && exec \"$0\" \"$@\"", bin, "exec", Testbed.fanOutSet, "--", "true"],
                                  environment: ["LXD_CONF": Testbed.conf])
        XCTAssertEqual(soft.status, 0, "\(soft)")
    }

    func testTenRoundsOfTwentyNeverHang() throws {
        for round in 1...10 {
            let r = try lxattach(["exec", Testbed.fanOutSet, "--", "sh", "-c", "echo $(hostname) \(round)"], timeout: 60)
            XCTAssertFalse(r.timedOut)
            XCTAssertEqual(r.status, 0, "round \(round): \(r)")
            XCTAssertEqual(Set(lines(r.stdoutText)), Set(Testbed.fanOut.map { "\($0): \($0) \(round)" }), "round \(round)")
        }
    }
}
