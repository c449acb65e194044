import Foundation
import LXD
import XCTest

/// The Swift API against the real daemon: config → client → exec → collect, and the
/// operations API, over the unix socket and TLS.
final class LibraryTests: IntegrationTestCase {
    private func client(_ remote: String) throws -> LXDClient {
        LXDClient(remote: try libraryRemote(remote))
    }

    func testCollectGivesStatusAndSeparateOutputs() throws {
        for remote in ["local", Testbed.remote] {
            let c = try client(remote)
            let request = ExecRequest(command: ["sh", "-c", "cat; echo err >&2; exit 3"])
            let out = try c.exec(instance: Testbed.c1, request).collect(input: Array("hello\n".utf8))
            XCTAssertEqual(out.status, 3, remote)
            XCTAssertEqual(String(decoding: out.stdout, as: UTF8.self), "hello\n", remote)
            XCTAssertEqual(String(decoding: out.stderr, as: UTF8.self), "err\n", remote)
            XCTAssertEqual(out.operation?.statusCode, 200, remote)
        }
    }

    func testCollectRoundTripsBinaryInput() throws {
        var generator = SystemRandomNumberGenerator()
        let data = (0..<(1 << 20) + 7).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let out = try client("local").exec(instance: Testbed.c1, ExecRequest(command: ["cat"])).collect(input: data)
        XCTAssertEqual(out.status, 0)
        XCTAssertEqual(out.stdout.count, data.count)
        XCTAssertTrue(out.stdout == data, "the bytes differ")
    }

    func testCollectReportsAMissingCommand() throws {
        let out = try client("local").exec(instance: Testbed.c1, ExecRequest(command: ["/no/such/command"])).collect()
        XCTAssertEqual(out.status, 127)
        XCTAssertEqual(out.operation?.err, "Command not found")
    }

    func testCollectStopsAtItsLimit() throws {
        let start = Date()
        XCTAssertThrowsError(try client("local").exec(instance: Testbed.c1, ExecRequest(command: ["cat", "/dev/zero"]))
            .collect(limit: 1 << 20)) { error in
            XCTAssertTrue("\(error)".contains("exceeded"), "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 15)
    }

    func testAnUnknownInstanceIsAnAPIError() throws {
        XCTAssertThrowsError(try client("local").exec(instance: "no-such-instance", ExecRequest(command: ["true"]))) { error in
            guard case LXDError.api(let code, let message) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(code, 404)
            XCTAssertEqual(message, "Instance not found")
        }
    }

    func testOperationsAPIListsARunningExec() throws {
        let c = try client("local")
        let session = try c.exec(instance: Testbed.c1, ExecRequest(command: ["sleep", "1"]))
        let listed = try self.client("local").operations.list()
        XCTAssertTrue(listed.contains { $0.id == session.operationID && !$0.isFinal })
        let op = try self.client("local").operations.get(session.operationID)
        XCTAssertEqual(op.operationClass, "websocket")
        let result = try session.run(ExecIO(input: .none, stdout: .discard, stderr: .discard))
        XCTAssertEqual(result.exitStatus, 0)
    }

    /// Docs/library.md's streaming example: `.handler` closures get each stream's bytes; the
    /// operations API waits (with and without a timeout) and refuses to cancel an exec
    /// (LXD 5.0), over the unix socket and TLS.
    func testHandlersAndOperationsWaitAndDelete() throws {
        for remote in ["local", Testbed.remote] {
            let c = try client(remote)
            let session = try c.exec(instance: Testbed.c1, ExecRequest(command: ["sh", "-c", "cat; echo err >&2; exit 3"]))
            // Attached and waiting for its input: still running.
            let other = try client(remote)
            let running = try other.operations.wait(session.operationID, timeout: 1)
            XCTAssertFalse(running.isFinal, "\(remote): \(running.raw)")
            XCTAssertEqual(running.status, "Running", remote)
            XCTAssertThrowsError(try other.operations.delete(session.operationID), remote) { error in
                guard case LXDError.api(let code, let message) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(code, 400, remote)
                XCTAssertTrue(message.contains("can't be cancelled"), message)
            }
            var out: [UInt8] = [], err: [UInt8] = []
            let result = try session.run(ExecIO(input: .bytes(Array("hello".utf8)),
                                                stdout: .handler { out += $0 }, stderr: .handler { err += $0 }))
            XCTAssertEqual(result.exitStatus, 3, remote)
            XCTAssertEqual(String(decoding: out, as: UTF8.self), "hello", remote)
            XCTAssertEqual(String(decoding: err, as: UTF8.self), "err\n", remote)
            let final = try other.operations.wait(session.operationID, timeout: 10)
            XCTAssertTrue(final.isFinal, "\(remote): \(final.raw)")
            XCTAssertTrue(final.succeeded, "\(remote): an exec that ran is a success, whatever its status")
            XCTAssertEqual(final.exitStatus, 3, remote)
        }
    }
}
