import Foundation
import Glibc
import LXD
import XCTest

/// Many sessions on one `ExecEventLoop` (one thread, one poll) against the real daemon:
/// each gets its own output and status. Also prints what a session costs (descriptors,
/// memory, the loop's CPU), measured, never asserted.
final class ExecEventLoopTests: IntegrationTestCase {
    private func client(_ remote: String = "local") throws -> LXDClient {
        LXDClient(remote: try libraryRemote(remote))
    }

    final class Sink {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var result: Result<ExecResult, LXDError>?
    }

    func testTwentySessionsOnOneLoopKeepTheirStreamsAndStatuses() throws {
        for remote in ["local", Testbed.remote] {
            let c = try client(remote)
            let loop = ExecEventLoop()
            var sinks: [Sink] = []
            for i in 0..<20 {
                let instance = i % 2 == 0 ? Testbed.c1 : Testbed.c2
                // Output interleaves across sessions while they run side by side.
                let script = "i=0; while [ $i -lt 50 ]; do echo \(i)-$i; i=$((i+1)); done; echo e\(i) >&2; exit \(i)"
                let session = try c.exec(instance: instance, ExecRequest(command: ["sh", "-c", script]))
                let sink = Sink()
                sinks.append(sink)
                loop.add(session, io: ExecIO(input: .none, stdout: .handler { sink.stdout += $0 },
                                             stderr: .handler { sink.stderr += $0 })) { sink.result = $0 }
            }
            XCTAssertEqual(loop.activeCount, 20)
            try loop.run()
            XCTAssertEqual(loop.activeCount, 0)
            for (i, sink) in sinks.enumerated() {
                let expected = (0..<50).map { "\(i)-\($0)\n" }.joined()
                XCTAssertEqual(String(decoding: sink.stdout, as: UTF8.self), expected, "\(remote) session \(i)")
                XCTAssertEqual(String(decoding: sink.stderr, as: UTF8.self), "e\(i)\n", "\(remote) session \(i)")
                XCTAssertEqual(try sink.result?.get().exitStatus, i, "\(remote) session \(i)")
            }
        }
    }

    func testOneSessionsFailureDoesNotEndTheOthers() throws {
        let c = try client()
        let loop = ExecEventLoop()
        let sinks = (0..<3).map { _ in Sink() }
        for (i, sink) in sinks.enumerated() {
            // The middle one is killed by its output limit through a loop-level kill.
            let command = i == 1 ? ["sleep", "30"] : ["sh", "-c", "sleep 1; echo done"]
            let session = try c.exec(instance: Testbed.c1, ExecRequest(command: command))
            loop.add(session, io: ExecIO(input: .none, stdout: .handler { sink.stdout += $0 }, stderr: .discard),
                     hooks: i == 1 ? KillAtOnce() : nil) { sink.result = $0 }
        }
        try loop.run()
        XCTAssertEqual(try sinks[1].result?.get().exitStatus, 137, "the killed one ends with SIGKILL's status")
        XCTAssertEqual(try sinks[1].result?.get().killedReason, "test")
        for i in [0, 2] {
            XCTAssertEqual(String(decoding: sinks[i].stdout, as: UTF8.self), "done\n")
            XCTAssertEqual(try sinks[i].result?.get().exitStatus, 0)
        }
    }

    final class KillAtOnce: ExecHooks {
        var fired = false
        func check() -> [ExecControlAction] {
            if fired { return [] }
            fired = true
            return [.kill(reason: "test")]
        }
    }

    /// Descriptors, memory and the loop's CPU per session for `exec -- true`, for the
    /// notes and README (printed; speed is the benchmarks' business, not asserted).
    func testCostPerSessionIsPrinted() throws {
        let c = try client()
        for n in [1, 20, 100] {
            let fdsBefore = openDescriptors()
            let rssBefore = residentKiB()
            let loop = ExecEventLoop()
            var results: [Result<ExecResult, LXDError>?] = Array(repeating: nil, count: n)
            let setupStart = threadCPU()
            for i in 0..<n {
                let session = try c.exec(instance: i % 2 == 0 ? Testbed.c1 : Testbed.c2, ExecRequest(command: ["true"]))
                loop.add(session, io: ExecIO(input: .none, stdout: .discard, stderr: .discard)) { results[i] = $0 }
            }
            let fds = openDescriptors() - fdsBefore
            let rss = residentKiB() - rssBefore
            let runStart = threadCPU()
            try loop.run()
            let runCPU = threadCPU() - runStart
            let setupCPU = runStart - setupStart
            XCTAssertEqual(results.compactMap { try? $0?.get().exitStatus }, Array(repeating: 0, count: n))
            print(String(format: "exec-loop N=%d: %.1f descriptors/session, %.0f KiB RSS/session, set-up %.0f µs CPU/session, loop %.0f µs CPU/session",
                         n, Double(fds) / Double(n), Double(rss) / Double(n), setupCPU * 1e6 / Double(n), runCPU * 1e6 / Double(n)))
        }
    }

    private func openDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
    }

    private func residentKiB() -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = statm.split(separator: " ")
        return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) / 1024
    }

    private func threadCPU() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(1), &usage)  // RUSAGE_THREAD
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }
}
