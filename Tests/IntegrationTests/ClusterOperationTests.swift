// `lxattach operation list|show|wait|delete` on the cluster test bed: LOCATION in the
// table, CSV and compact formats exactly as the real lxc prints it, and operations
// living on other members than the one we talk to (the daemon forwards GET, DELETE
// and /wait to the member that owns the operation).
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `lxattach exec <target> -- sh -c 'sleep N; : marker'` on the cluster, in the background.
private final class ClusterBackgroundExec {
    let marker: String
    let process = Process()

    init(_ target: String, seconds: Int) throws {
        marker = "lxc-ops-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())"
        process.executableURL = URL(fileURLWithPath: try Built.lxattach())
        process.arguments = ["exec", target, "--", "sh", "-c", "sleep \(seconds); : \(marker)"]
        var env = ProcessInfo.processInfo.environment
        for (k, v) in IsolatedHome.variables { env[k] = v }
        env["LXD_CONF"] = ClusterBed.conf
        env["LXC_REMOTE"] = nil
        process.environment = env
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    func exitStatus(timeout: Double = 20) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() >= deadline { return nil }
            usleep(20_000)
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

final class ClusterOperationTests: IntegrationTestCase {
    override func setUpWithError() throws {
        for member in ClusterBed.members { _ = try ClusterBed.pid(of: member) }
    }

    /// The running operation whose command has `marker`, as the real lxc lists it: (id, location).
    private func operation(marker: String, file: StaticString = #filePath, line: UInt = #line) throws -> (String, String) {
        var found: (String, String)?
        try waitUntil("a running operation for \(marker)", timeout: 10, interval: 0.1, file: file, line: line) {
            let r = try reference { try clxc(["operation", "list", "--format", "json"], file: file, line: line) }
            found = OpsParse.objects(OpsParse.json(r.stdoutText, file: file, line: line))
                .first { OpsParse.command($0).contains(marker) && $0["status"] as? String == "Running" }
                .flatMap { op in (op["id"] as? String).map { ($0, op["location"] as? String ?? "") } }
            return found != nil
        }
        return try XCTUnwrap(found, file: file, line: line)
    }

    /// With exec operations running on node2 and node3: `operation list` in table, CSV
    /// and compact is byte for byte what lxc prints (LOCATION last, rows sorted like
    /// lxc's), through node1's socket and over TLS through node3.
    func testListShowsLocationExactlyLikeLxc() throws {
        let on2 = try ClusterBackgroundExec(ClusterBed.members[1].instance, seconds: 6)
        let on3 = try ClusterBackgroundExec("n2:" + ClusterBed.members[2].instance, seconds: 6)
        let (id2, where2) = try operation(marker: on2.marker)
        let (id3, where3) = try operation(marker: on3.marker)
        XCTAssertEqual(where2, "node2")
        XCTAssertEqual(where3, "node3")
        for remote in ["", "n3:"] {
            for format in ["table", "csv", "compact"] {
                let args = ["operation", "list"] + (remote.isEmpty ? [] : [remote]) + ["--format", format]
                // Operations come and go (our own execs end): compare when lxc printed the
                // same just before and just after ours.
                var compared = false
                for _ in 0..<5 where !compared {
                    let before = try clxc(args)
                    let ours = try clattach(args)
                    let after = try clxc(args)
                    XCTAssertEqual(ours.status, 0, "\(ours)")
                    XCTAssertEqual(ours.stderrText, "", "\(ours)")
                    guard before.stdoutText == after.stdoutText else { continue }
                    compared = true
                    XCTAssertEqual(ours.stdoutText, before.stdoutText, "\(remote) \(format)")
                    for (id, location) in [(id2, "node2"), (id3, "node3")] {
                        let line = ours.stdoutText.split(separator: "\n").first { $0.contains(id) } ?? ""
                        XCTAssertTrue(line.contains("WEBSOCKET") && line.contains(location), "\(format): \(line)")
                    }
                    if format != "csv" {
                        XCTAssertTrue(ours.stdoutText.split(separator: "\n").contains { $0.contains("CREATED") && $0.contains("LOCATION") },
                                      "\(format) header lacks LOCATION: \(ours.stdoutText)")
                    }
                }
                XCTAssertTrue(compared, "lxc's list never held still long enough to compare (\(remote) \(format))")
            }
        }
        // JSON already carries `location` (the daemon's objects).
        let json = try clattach(["operation", "list", "--format", "json"])
        let objects = OpsParse.objects(OpsParse.json(json.stdoutText))
        XCTAssertEqual(objects.first { $0["id"] as? String == id3 }?["location"] as? String, "node3", json.stdoutText)
        XCTAssertEqual(on2.exitStatus(), 0)
        XCTAssertEqual(on3.exitStatus(), 0)
    }

    /// An exec on node3 seen from node1 (socket) and node2 (TLS): show gives the daemon's
    /// object, delete is refused by node3 (exec operations are not cancellable), wait
    /// times out with 124 and then returns the final operation.
    func testShowDeleteWaitForAnOperationOnAnotherMember() throws {
        let bg = try ClusterBackgroundExec(ClusterBed.members[2].instance, seconds: 4)
        let (id, location) = try operation(marker: bg.marker)
        XCTAssertEqual(location, "node3")
        for remote in ["", "n2:"] {
            let show = try clattach(["operation", "show", "--format", "json", remote + id])
            XCTAssertEqual(show.status, 0, "\(show)")
            let op = try XCTUnwrap(OpsParse.json(show.stdoutText) as? [String: Any], "\(show)")
            XCTAssertEqual(op["id"] as? String, id)
            XCTAssertEqual(op["location"] as? String, "node3")
            XCTAssertEqual(op["status"] as? String, "Running")
            XCTAssertTrue(OpsParse.command(op).contains(bg.marker), "\(op)")
            let truth = try reference { try clxc(["query", "/1.0/operations/\(id)"]) }
            let lxcOp = try XCTUnwrap(OpsParse.json(truth.stdoutText) as? [String: Any], "\(truth)")
            XCTAssertEqual(lxcOp["location"] as? String, "node3")
            XCTAssertEqual(lxcOp["resources"] as? NSDictionary, op["resources"] as? NSDictionary)

            let yaml = try clattach(["operation", "show", remote + id])
            XCTAssertEqual(yaml.status, 0, "\(yaml)")
            XCTAssertTrue(yaml.stdoutText.contains("\nlocation: node3\n"), "\(yaml)")

            let delete = try clattach(["operation", "delete", remote + id])
            XCTAssertEqual(delete.status, 255, "\(delete)")
            XCTAssertEqual(delete.stderrText.split(separator: "\n").count, 1, "\(delete)")
            XCTAssertTrue(delete.stderrText.hasPrefix("Error: ") && delete.stderrText.contains("can't be cancelled"), "\(delete)")

            let waited = try clattach(["operation", "wait", "--timeout", "1", remote + id])
            XCTAssertEqual(waited.status, 124, "\(waited)")
            XCTAssertTrue(waited.stdoutText.contains("status: Running"), "\(waited)")
        }
        let done = try clattach(["operation", "wait", "--format", "json", "n2:" + id], timeout: 20)
        XCTAssertEqual(done.status, 0, "\(done)")
        let final = try XCTUnwrap(OpsParse.json(done.stdoutText) as? [String: Any], "\(done)")
        XCTAssertEqual(final["status"] as? String, "Success")
        XCTAssertEqual(final["location"] as? String, "node3")
        XCTAssertEqual((final["metadata"] as? [String: Any])?["return"] as? Int, 0, "\(final)")
        XCTAssertEqual(bg.exitStatus(), 0)
    }
}
