import Foundation
import XCTest

/// Fan-out across the test bed's 3-member cluster: `--all` and `--location` select by
/// the instances' `location`; a member that stops answering fails only its instances.
final class ClusterFanOutTests: IntegrationTestCase {
    private func lines(_ s: String) -> [String] { s.split(separator: "\n").map(String.init) }

    func testAllRunsOnEveryMemberAndLocationKeepsOne() throws {
        let all = try clattach(["exec", "--all", "--", "hostname"])
        XCTAssertEqual(all.status, 0, "\(all)")
        let expected = Set(ClusterBed.members.map { "\($0.instance): \($0.instance)" })
        XCTAssertTrue(expected.isSubset(of: Set(lines(all.stdoutText))), "\(all)")
        for member in ClusterBed.members {
            let one = try clattach(["exec", "--all", "--location", member.name, "--", "hostname"])
            XCTAssertEqual(one.status, 0, "\(one)")
            XCTAssertEqual(lines(one.stdoutText), ["\(member.instance): \(member.instance)"], "\(member.name): \(one)")
        }
    }

    func testAFrozenMemberFailsOnlyItsInstances() throws {
        // Not node1 (whose socket we use), and not the database leader: freezing that one
        // stalls every member for a while (the next test).
        let member = try ClusterBed.frozenForFaults()
        let frozen = try FrozenMember(member)
        defer { frozen.thaw() }
        let names = ClusterBed.members.map(\.instance)
        // One session at a time: node1 forwards them all, and LXD 5.0.2 lets an exec it
        // forwards to the frozen member stall another it forwards at the same moment to a
        // healthy one (seen in 2 of 4 runs with the set-ups overlapping; Docs/clusters.md).
        let r = try clattach(["exec", "--parallel", "1", names.joined(separator: ","), "--", "echo", "ran"], timeout: 60)
        XCTAssertEqual(r.status, 255, "\(r)")
        XCTAssertEqual(Set(lines(r.stdoutText)), Set(names.filter { $0 != member.instance }.map { "\($0): ran" }), "\(r)")
        let err = lines(r.stderrText)
        XCTAssertTrue(err.contains { $0.hasPrefix("\(member.instance): Error: ") && $0.contains(member.name) },
                      "the failure names the member: \(r)")
        XCTAssertTrue(err.last?.hasPrefix("2 ok, 1 ") == true, "\(r)")
        XCTAssertLessThan(r.seconds, 40, "bounded: the healthy members did not wait for the frozen one: \(r)")
    }

    /// With the database leader frozen, every member answers the exec POST only once the
    /// others have elected a new leader (10–15 s here, as for lxc): the command still runs,
    /// and the next exec, on another member's instance, runs too. The websocket upgrades
    /// get their own time after that answer, not what the POST left. One exec after the
    /// other: execs sent at the same moment during the election (a fan-out's set-ups, or
    /// concurrent lxc) are the daemon's to finish, and LXD 5.0.2 can take longer than the
    /// 17 s bound for all but the first (measured: 15.1 s for the via member's own instance,
    /// 24.2 s for one it forwards; Docs/clusters.md).
    func testAFrozenDatabaseLeaderDelaysTheOtherMembersWithoutFailingThem() throws {
        let leader = try ClusterBed.databaseLeader()
        let others = ClusterBed.members.filter { $0.name != leader.name }
        let via = others[0].remote   // a member that answers, over TLS (node1's socket may be the frozen one)
        let frozen = try FrozenMember(leader)
        defer { frozen.thaw() }
        for member in others {
            let target = "\(via):\(member.instance)"
            let r = try clattach(["exec", target, "--", "echo", "ran"], timeout: 60)
            XCTAssertEqual(r.status, 0, "\(leader.name) frozen: \(r)")
            XCTAssertEqual(r.stdoutText, "ran\n", "\(leader.name) frozen: \(r)")
            XCTAssertEqual(r.stderrText, "", "\(leader.name) frozen: \(r)")
        }
    }
}
