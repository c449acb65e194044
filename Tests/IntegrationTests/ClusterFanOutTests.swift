import Foundation
import XCTest

/// Fan-out across the test bed's 3-member cluster: `--all` and `--location` select by
/// the instances' `location`; a member that stops answering fails only its instances.
final class ClusterFanOutTests: XCTestCase {
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
        let frozen = try FrozenMember(ClusterBed.members[2])
        defer { frozen.thaw() }
        let names = ClusterBed.members.map(\.instance)
        let r = try clattach(["exec", names.joined(separator: ","), "--", "echo", "ran"], timeout: 60)
        XCTAssertEqual(r.status, 255, "\(r)")
        XCTAssertEqual(Set(lines(r.stdoutText)), ["\(names[0]): ran", "\(names[1]): ran"], "\(r)")
        let err = lines(r.stderrText)
        XCTAssertTrue(err.contains { $0.hasPrefix("\(names[2]): Error: ") && $0.contains(ClusterBed.members[2].name) },
                      "the failure names the member: \(r)")
        XCTAssertTrue(err.last?.hasPrefix("2 ok, 1 ") == true, "\(r)")
        XCTAssertLessThan(r.seconds, 40, "bounded: the healthy members did not wait for the frozen one: \(r)")
    }
}
