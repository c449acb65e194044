import Foundation
import XCTest

/// A fan-out's set-up that timed out is explained (its cluster member named) off the
/// event loop, several at once, while the other sessions go on. Proved by the order of
/// events, not by a clock: Tests/Fixtures/hostile_peer.py's `explainorder` mode answers
/// the explanations' lookups only once one per failed session is waiting at the same
/// time and the healthy session has been ended by the client's loop. Explained on the
/// loop's thread, or one after the other, the lookups run out of their budget and the
/// errors do not name the member.
final class FanOutExplainTests: IntegrationTestCase {
    func testTimedOutSetUpsAreExplainedTogetherWhileTheLoopRunsTheOthers() throws {
        let peer = try HostilePeer(mode: "explainorder")
        defer { peer.stop() }
        let env: [String: String?] = [
            "LXD_SOCKET": peer.socketPath,
            "LXD_CONF": NSTemporaryDirectory() + "lxattach-hostile-no-conf",
            "LXATTACH_TIMEOUT": "3",   // the POSTs of slow1 and slow2 give up after 3 s, their lookups 1.5 s later
        ]
        let r = try lxattach(["exec", "slow1,slow2,fast", "--", "true"], environment: env, timeout: 30)
        XCTAssertEqual(r.status, 255, "\(r)")
        let lines = r.stderrText.split(separator: "\n").map(String.init)
        for name in ["slow1", "slow2"] {
            let line = lines.first { $0.hasPrefix("\(name): ") } ?? "none"
            XCTAssertTrue(line.hasPrefix("\(name): Error: cluster member node9 (https://192.0.2.9:8443), which holds \(name), did not answer: "),
                          "the lookup was answered, so the loop ran on while it waited: \(r)")
            XCTAssertTrue(line.hasSuffix("timed out after 3 s waiting for LXD at unix:\(peer.socketPath) to answer POST /1.0/instances/\(name)/exec"),
                          "the error explained is the set-up's own: \(r)")
        }
        XCTAssertEqual(lines.last, "1 ok, 2 failed: slow[1-2]", "\(r)")
        XCTAssertFalse(r.stderrText.contains("fast"), "fast ran to its end: \(r)")
    }
}
