// A cluster member that stops answering (its daemon SIGSTOPped, as a hung or cut-off
// machine would be): exec to its instance must end in bounded time with one line
// naming the member, by every way in; once the cluster has marked the member offline,
// the daemon's own error is shown as it is. The member is continued afterwards and
// the test waits until it is Online again.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class ClusterFaultTests: IntegrationTestCase {
    override func setUpWithError() throws {
        for member in ClusterBed.members { _ = try ClusterBed.pid(of: member) }
    }

    /// Runs every job at once; results in order (nil: the command could not be started).
    private func atOnce(_ jobs: [@Sendable () throws -> CommandResult]) -> [CommandResult?] {
        let box = ResultBox(count: jobs.count)
        DispatchQueue.concurrentPerform(iterations: jobs.count) { i in box.set(i, Result { try jobs[i]() }) }
        return jobs.indices.map { (try? box.get($0).get()) ?? nil }
    }

    /// The one line lxattach must print when the instance's member does not answer.
    private func assertNamesTheMember(_ r: CommandResult, _ member: ClusterBed.Member, way: String,
                                      file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 255, "\(way): \(r)", file: file, line: line)
        XCTAssertLessThan(r.seconds, 20, "\(way): \(r)", file: file, line: line)
        XCTAssertEqual(r.stdout, [], "\(way): \(r)", file: file, line: line)
        let lines = r.stderrText.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "\(way): \(r)", file: file, line: line)
        let text = String(lines.first ?? "")
        XCTAssertTrue(text.hasPrefix("Error: cluster member \(member.name) (\(member.url)"), "\(way): \(text)", file: file, line: line)
        XCTAssertTrue(text.contains("which holds \(member.instance), did not answer: "), "\(way): \(text)", file: file, line: line)
        XCTAssertTrue(text.contains("timed out after 17 s waiting for LXD at ") && text.hasSuffix(" to answer POST /1.0/instances/\(member.instance)/exec"),
                      "\(way): \(text)", file: file, line: line)
    }

    func testFrozenMemberIsNamedWithinTwentySecondsThenItsOfflineErrorIsShownAsIs() throws {
        let target = try ClusterBed.frozenForFaults()   // node3, or node2 if node3 leads the database
        let instance = target.instance
        let other = ClusterBed.members[1...].first { $0.name != target.name }!
        let ways = ["", "\(other.remote):"]   // node1's unix socket, and TLS through the third member
        let frozen = try FrozenMember(target)
        defer { frozen.thaw() }

        // 1. Frozen, not yet offline: the forwarded POST waits; lxattach gives up on it,
        // asks the cluster database where the instance lives, and names the member.
        let started = Date()
        // Through the forwarding member (LXATTACH_CLUSTER_DIRECT=0): exec straight to the
        // frozen member is ClusterDirectTests'.
        let forwarded: [String: String?] = ["LXATTACH_CLUSTER_DIRECT": "0"]
        let frozenRuns = atOnce(ways.map { way in { try clattach(["exec", way + instance, "--", "true"], environment: forwarded, timeout: 40) } })
        for (way, r) in zip(ways, frozenRuns) {
            assertNamesTheMember(try XCTUnwrap(r, way), target, way: way)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 20)

        // 2. Marked offline in the database. A member whose event connection to the frozen
        // member is gone refuses at once... after its own 10 s wait ("Missing event connection
        // with target cluster member"); one that still holds it forwards and waits like before.
        // lxc and lxattach, side by side, by each way: lxattach shows the daemon's error
        // exactly as lxc does, or names the member where lxc is left waiting.
        waitUntil("\(target.name) marked Offline", timeout: 60, interval: 0.5) {
            let m = try? clxc(["query", "/1.0/cluster/members/\(target.name)"], timeout: 10, failOnTimeout: false)
            return m?.stdoutText.contains("\"status\": \"Offline\"") == true
        }
        let offlineRuns = atOnce(ways.flatMap { way -> [@Sendable () throws -> CommandResult] in [
            { try clxc(["exec", way + instance, "--", "true"], timeout: 16, failOnTimeout: false) },
            { try clattach(["exec", way + instance, "--", "true"], environment: forwarded, timeout: 40) },
        ] })
        // The daemon may treat two requests sent at the same moment differently (one
        // refused after its 10 s wait, the other still forwarded and waiting): each
        // client's outcome is checked on its own, and the texts are compared when both
        // were refused.
        var refused = 0
        for (i, way) in ways.enumerated() {
            let reference = try XCTUnwrap(offlineRuns[2 * i], way)
            let ours = try XCTUnwrap(offlineRuns[2 * i + 1], way)
            let theyRefused = !reference.timedOut && reference.status == 1
            let weWereRefused = ours.status == 255 && !ours.stderrText.contains("cluster member \(target.name) (")
            if theyRefused {
                refused += 1
                XCTAssertTrue(reference.stderrText.hasPrefix("Error: "), "\(way): \(reference)")
            } else {
                XCTAssertTrue(reference.timedOut, "\(way): lxc neither refused nor waited: \(reference)")
            }
            if weWereRefused {
                refused += 1
                XCTAssertTrue(ours.stderrText.hasPrefix("Error: ") && ours.stderrText.split(separator: "\n").count == 1, "\(way): \(ours)")
                XCTAssertLessThan(ours.seconds, 15, "\(way): \(ours)")
                if theyRefused {
                    XCTAssertEqual(ours.stderrText, reference.stderrText, "\(way): the daemon's error, as lxc shows it")
                }
            } else {
                assertNamesTheMember(ours, target, way: way)
                XCTAssertTrue(ours.stderrText.contains("status Offline"), "\(way): \(ours)")
            }
        }
        XCTAssertGreaterThan(refused, 0, "no member ever refused exec to the offline member: \(offlineRuns)")
        frozen.thaw()

        // 3. Back: the same exec works again.
        for way in ways {
            let r = try clattach(["exec", way + instance, "--", "sh", "-c", "exit 6"], timeout: 30)
            XCTAssertEqual(r.status, 6, "\(way): \(r)")
        }
    }
}
