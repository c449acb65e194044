import Foundation
import LXD
import XCTest

/// The async API against the real daemon: one-call exec, streaming with input from an
/// async sequence, many sessions at once on the shared loop thread, cancellation as
/// SIGTERM, and the operations API.
final class AsyncLibraryTests: IntegrationTestCase {
    private func lxd(_ remote: String = "local") throws -> LXDAsyncClient {
        LXDAsyncClient(remote: try libraryRemote(remote))
    }

    func testExecCollectsOutputsAndStatusOverUnixAndTLS() async throws {
        for remote in ["local", Testbed.remote] {
            let out = try await lxd(remote).exec(instance: Testbed.c1, ExecRequest(command: ["sh", "-c", "cat; echo e >&2; exit 5"]),
                                                 input: Array("in\n".utf8))
            XCTAssertEqual(out.status, 5, remote)
            XCTAssertEqual(String(decoding: out.stdout, as: UTF8.self), "in\n", remote)
            XCTAssertEqual(String(decoding: out.stderr, as: UTF8.self), "e\n", remote)
        }
    }

    func testManySessionsAtOnceKeepTheirOwnResults() async throws {
        let lxd = try lxd()
        let statuses = try await withThrowingTaskGroup(of: (Int, Int, String).self) { group in
            for i in 0..<16 {
                group.addTask {
                    let out = try await lxd.exec(instance: i % 2 == 0 ? Testbed.c1 : Testbed.c2,
                                                 ExecRequest(command: ["sh", "-c", "echo \(i); exit \(i)"]))
                    return (i, out.status, String(decoding: out.stdout, as: UTF8.self))
                }
            }
            var all: [(Int, Int, String)] = []
            for try await r in group { all.append(r) }
            return all
        }
        XCTAssertEqual(statuses.count, 16)
        for (i, status, out) in statuses {
            XCTAssertEqual(status, i)
            XCTAssertEqual(out, "\(i)\n")
        }
    }

    func testStreamingInputFromAnAsyncSequenceComesBackExact() async throws {
        var generator = SystemRandomNumberGenerator()
        let data = (0..<(1 << 20) + 3).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let chunks = stride(from: 0, to: data.count, by: 4096).map { Array(data[$0..<min(data.count, $0 + 4096)]) }
        let input = AsyncStream<[UInt8]> { c in
            for chunk in chunks { c.yield(chunk) }
            c.finish()
        }
        let session = try await lxd().execStreaming(instance: Testbed.c1, ExecRequest(command: ["cat"]), input: input)
        var received: [UInt8] = []
        for await chunk in session.output {
            XCTAssertEqual(chunk.stream, .stdout)
            received += chunk.bytes
        }
        let result = try await session.result()
        XCTAssertEqual(result.exitStatus, 0)
        XCTAssertEqual(received.count, data.count)
        XCTAssertTrue(received == data, "the bytes differ")
    }

    func testSignalsGoToTheRunningCommand() async throws {
        let session = try await lxd().execStreaming(
            instance: Testbed.c1, ExecRequest(command: ["sh", "-c", "trap 'echo got USR1; exit 9' USR1; echo ready; while :; do sleep 0.1; done"]))
        var text = ""
        for await chunk in session.output {
            text += String(decoding: chunk.bytes, as: UTF8.self)
            if text.contains("ready") && !text.contains("got") { session.signal(10) }
        }
        XCTAssertTrue(text.contains("got USR1"), text)
        let exit = try await session.result().exitStatus
        XCTAssertEqual(exit, 9)
    }

    func testCancellingTheTaskEndsTheCommandAsSIGTERMDoes() async throws {
        let lxd = try lxd()
        let task = Task { try await lxd.exec(instance: Testbed.c1, ExecRequest(command: ["sleep", "30"])) }
        try await Task.sleep(nanoseconds: 1_000_000_000)
        task.cancel()
        let out = try await task.value
        XCTAssertEqual(out.status, 143, "sleep ended by the forwarded SIGTERM")
    }

    func testOperationsAreListedAndWaitedFor() async throws {
        let lxd = try lxd()
        let session = try await lxd.execStreaming(instance: Testbed.c1, ExecRequest(command: ["sleep", "1"]))
        let listed = try await lxd.operations.list()
        XCTAssertTrue(listed.contains { $0.id == session.operationID && !$0.isFinal })
        let op = try await lxd.operations.get(session.operationID)
        XCTAssertEqual(op.operationClass, "websocket")
        let final = try await lxd.operations.wait(session.operationID, timeout: 10)
        XCTAssertEqual(final.exitStatus, 0)
        let result = try await session.result()
        XCTAssertEqual(result.exitStatus, 0)
    }
}
