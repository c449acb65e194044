// Exec where the instance lives: over HTTPS, lxattach learns which member holds an
// instance (the exec's operation, an instance list) and each member's address
// (/1.0/cluster/members), keeps them in its cache folder, and sends the next exec
// straight to that member instead of through one that forwards every byte. Against the
// real three-member cluster (Scripts/testbed-cluster), each test with a cache folder of
// its own, so what one learns does not steer another.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class ClusterDirectTests: IntegrationTestCase {
    private var cache = ""

    override func setUpWithError() throws {
        for member in ClusterBed.members { _ = try ClusterBed.pid(of: member) }
        cache = NSTemporaryDirectory() + "lxattach-direct-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: cache)
    }

    private func run(_ arguments: [String], direct: Bool = true, timeout: Double = 60) throws -> CommandResult {
        var env: [String: String?] = ["XDG_CACHE_HOME": cache]
        if !direct { env["LXATTACH_CLUSTER_DIRECT"] = "0" }
        return try clattach(arguments, environment: env, timeout: timeout)
    }

    /// The addresses whose TLS connections the trace shows ("TLS TLSv1.3 with https://…").
    private func connected(_ trace: String) -> Set<String> {
        Set(trace.split(separator: "\n").compactMap { line -> String? in
            guard let r = line.range(of: "TLS TLSv1.3 with https://") else { return nil }
            return line[r.upperBound...].split(separator: " ").first.map { "https://" + $0 }
        })
    }

    private var routesFile: String? {
        (try? FileManager.default.contentsOfDirectory(atPath: cache + "/lxattach"))?
            .first { $0.hasPrefix("cluster-") }.map { cache + "/lxattach/" + $0 }
    }

    func testTheSecondExecGoesStraightToTheInstancesMember() throws {
        let node2 = ClusterBed.members[1]
        let first = try run(["--debug", "exec", "n1:\(node2.instance)", "--", "sh", "-c", "echo out; echo err >&2; exit 5"])
        XCTAssertEqual(first.status, 5, "\(first)")
        XCTAssertEqual(first.stdoutText, "out\n", "\(first)")
        XCTAssertEqual(connected(first.stderrText), [ClusterBed.members[0].url], "first: through node1, which forwards: \(first)")
        let routes = try String(contentsOfFile: try XCTUnwrap(routesFile, "no routes kept"), encoding: .utf8)
        XCTAssertTrue(routes.contains("\"default/\(node2.instance)\":\"node2\"") && routes.contains(node2.url), routes)

        let second = try run(["--debug", "exec", "n1:\(node2.instance)", "--", "sh", "-c", "echo out; echo err >&2; exit 5"])
        XCTAssertEqual(second.status, 5, "\(second)")
        XCTAssertEqual(second.stdoutText, "out\n", "\(second)")
        XCTAssertEqual(connected(second.stderrText), [node2.url], "second: straight to node2: \(second)")
        XCTAssertTrue(second.stderrText.hasSuffix("err\n") || second.stderrText.contains("\nerr\n"), "\(second)")

        let off = try run(["--debug", "exec", "n1:\(node2.instance)", "--", "true"], direct: false)
        XCTAssertEqual(off.status, 0, "\(off)")
        XCTAssertEqual(connected(off.stderrText), [ClusterBed.members[0].url], "LXATTACH_CLUSTER_DIRECT=0: \(off)")
    }

    func testAMemberThatCannotBeReachedFallsBackToForwardingAndIsRemembered() throws {
        let node3 = ClusterBed.members[2]
        XCTAssertEqual(try run(["exec", "n1:\(node3.instance)", "--", "true"]).status, 0)
        let file = try XCTUnwrap(routesFile)
        // The member "moved" to an address where nothing listens.
        let routes = try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: node3.url, with: "https://127.0.1.9:8443")
        try routes.write(toFile: file, atomically: true, encoding: .utf8)

        let r = try run(["--debug", "exec", "n1:\(node3.instance)", "--", "hostname"])
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdoutText, "\(node3.instance)\n", "\(r)")
        XCTAssertTrue(r.stderrText.contains("cluster member https://127.0.1.9:8443 not reachable (cannot connect to 127.0.1.9:8443: connection refused): forwarding through \(ClusterBed.members[0].url)"), "\(r)")
        // The member list, asked for again, has the member's real address; the dead one
        // is gone (it would stay marked unreachable if the list still named it).
        let after = try String(contentsOfFile: file, encoding: .utf8)
        XCTAssertTrue(after.contains(node3.url) && !after.contains("127.0.1.9"), after)

        let next = try run(["--debug", "exec", "n1:\(node3.instance)", "--", "true"])
        XCTAssertEqual(next.status, 0, "\(next)")
        XCTAssertFalse(next.stderrText.contains("127.0.1.9"), "\(next)")
        XCTAssertEqual(connected(next.stderrText), [node3.url], "the new address, straight: \(next)")
    }

    func testFanOutByMemberGoesStraightToEachMember() throws {
        let r = try run(["--debug", "exec", "--all", "n1:", "--", "hostname"])
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(Set(r.stdoutText.split(separator: "\n").map(String.init)),
                       Set(ClusterBed.members.map { "n1:\($0.instance): \($0.instance)" }), "\(r)")
        // Each session's five connections went to its own member.
        for member in ClusterBed.members {
            let sessions = r.stderrText.components(separatedBy: "TLS TLSv1.3 with \(member.url) ").count - 1
            XCTAssertGreaterThanOrEqual(sessions, 5, "\(member.name): \(r)")
        }
        let one = try run(["exec", "--all", "n1:", "--location", "node3", "--", "hostname"])
        XCTAssertEqual(one.stdoutText, "n1:\(ClusterBed.members[2].instance): \(ClusterBed.members[2].instance)\n", "\(one)")
    }

    /// A frozen member reached straight: its TLS handshake never finishes; within the
    /// direct connect bound (3 s) and the lookup (2.5 s at most) the error names it, and
    /// the forwarding member is not tried (it would wait on the frozen one too).
    func testAFrozenMemberReachedStraightIsNamedWithinSeconds() throws {
        let target = try ClusterBed.frozenForFaults()
        XCTAssertEqual(try run(["exec", "n1:\(target.instance)", "--", "true"]).status, 0)
        let frozen = try FrozenMember(target)
        defer { frozen.thaw() }
        let r = try run(["exec", "n1:\(target.instance)", "--", "true"], timeout: 40)
        XCTAssertEqual(r.status, 255, "\(r)")
        XCTAssertLessThan(r.seconds, 8, "\(r)")
        let lines = r.stderrText.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "\(r)")
        XCTAssertTrue(lines.first?.hasPrefix("Error: cluster member \(target.name) (\(target.url)") == true, "\(r)")
        XCTAssertTrue(r.stderrText.contains("timed out after 3.0 s connecting to \(target.url) (TLS handshake with "), "\(r)")
    }
}
