import Foundation
import LXD
import XCTest

/// One `LXDClient` used by many threads at once (it is `Sendable`): REST calls made at
/// the same time each get a connection of their own and the right answer; execs started
/// from several threads on one client keep their own outputs and statuses.
final class SharedClientTests: IntegrationTestCase {
    private let threads = 8
    private let rounds = 25

    /// `threads` threads, each calling `body(thread, round)` `rounds` times, all at once;
    /// the failures, in no order.
    private func together(_ body: @escaping @Sendable (Int, Int) throws -> Void) -> [String] {
        let failures = Locked<[String]>([])
        let start = DispatchSemaphore(value: 0)
        let done = DispatchGroup()
        let rounds = self.rounds
        for t in 0..<threads {
            done.enter()
            Thread.detachNewThread {
                start.wait()
                for r in 0..<rounds {
                    do { try body(t, r) } catch { failures.mutate { $0.append("thread \(t) round \(r): \(error)") } }
                }
                done.leave()
            }
        }
        for _ in 0..<threads { start.signal() }
        XCTAssertEqual(done.wait(timeout: .now() + 120), .success, "the threads did not finish in 120 s")
        return failures.value
    }

    func testConcurrentRESTCallsOnOneClientOverUnixAndTLS() throws {
        for remote in ["local", Testbed.remote] {
            let client = LXDClient(remote: try libraryRemote(remote))
            let names = try client.instances.list().map(\.name)
            XCTAssertTrue(names.contains(Testbed.c1) && names.contains(Testbed.c2), "\(remote): \(names)")
            let failures = together { t, r in
                if (t + r) % 2 == 0 {
                    let got = try client.instances.list().map(\.name)
                    if got != names { throw Mismatch(text: "instances \(got) instead of \(names)") }
                } else {
                    _ = try client.operations.list()
                    let server = try client.server()
                    if server["api_version"]?.stringValue != "1.0" { throw Mismatch(text: "GET /1.0 answered \(server)") }
                }
            }
            XCTAssertEqual(failures, [], remote)
            // The client still works, and keeps one connection alive for the next call.
            XCTAssertEqual(try client.instances.list().map(\.name), names, remote)
        }
    }

    func testExecsFromManyThreadsOnOneClientKeepTheirOwnResults() throws {
        for remote in ["local", Testbed.remote] {
            let client = LXDClient(remote: try libraryRemote(remote))
            let failures = together { t, r in
                guard r < 3 else { return }
                let instance = t % 2 == 0 ? Testbed.c1 : Testbed.c2
                let tag = "\(t)-\(r)"
                let out = try client.exec(instance: instance, ExecRequest(command: ["sh", "-c", "cat; echo \(tag) >&2; exit \(t + 1)"]))
                    .collect(input: Array(tag.utf8))
                let stdout = String(decoding: out.stdout, as: UTF8.self), stderr = String(decoding: out.stderr, as: UTF8.self)
                if out.status != t + 1 || stdout != tag || stderr != tag + "\n" {
                    throw Mismatch(text: "\(tag): status \(out.status), stdout \(stdout.debugDescription), stderr \(stderr.debugDescription)")
                }
            }
            XCTAssertEqual(failures, [], remote)
        }
    }
}

private struct Mismatch: Error, CustomStringConvertible {
    let text: String
    var description: String { text }
}

/// A value behind a lock, for the test's threads.
private final class Locked<Value>: @unchecked Sendable {
    // Guarded by `lock`: every access goes through `mutate` or `value`.
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    func mutate(_ body: (inout Value) -> Void) { lock.lock(); body(&stored); lock.unlock() }
    var value: Value { lock.lock(); defer { lock.unlock() }; return stored }
}
