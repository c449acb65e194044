// LXATTACH_CLUSTER_ADDRESS_MAP, the hook Scripts/bench-wan needs to measure a direct
// cluster exec over a network: a member reached straight is dialed at the mapped address
// (there, Tests/Fixtures/delay_proxy.py in front of that member) instead of the address
// /1.0/cluster/members gives. Fails (never skips) when the cluster is missing.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class ClusterAddressMapTests: IntegrationTestCase {
    override func setUpWithError() throws {
        for member in ClusterBed.members { _ = try ClusterBed.pid(of: member) }
    }

    /// Three listeners (no delay), one in front of each member; a copy of conf-cluster
    /// with remote `c1` through member 1's.
    private func proxies() throws -> (FixtureProcess, log: String, conf: String, ports: [Int]) {
        let base = NSTemporaryDirectory() + "lxattach-map-\(getpid())-\(UUID().uuidString.prefix(8))"
        let arguments = ["--delay", "0", "--log", base + ".log"]
            + ClusterBed.members.flatMap { ["--map", "0=" + $0.url.dropFirst("https://".count)] }
        let proxy = try FixtureProcess("delay_proxy.py", arguments)
        let ports = proxy.ready.compactMap { Int($0) }
        XCTAssertEqual(ports.count, 3, "\(proxy.ready)")
        let conf = base + "-conf"
        try FileManager.default.copyItem(atPath: ClusterBed.conf, toPath: conf)
        try FileManager.default.copyItem(atPath: conf + "/servercerts/n1.crt", toPath: conf + "/servercerts/c1.crt")
        let config = try String(contentsOfFile: conf + "/config.yml", encoding: .utf8).replacingOccurrences(
            of: "remotes:\n",
            with: "remotes:\n  c1:\n    addr: https://127.0.0.1:\(ports[0])\n    protocol: lxd\n    auth_type: tls\n    public: false\n")
        try config.write(toFile: conf + "/config.yml", atomically: true, encoding: .utf8)
        return (proxy, base + ".log", conf, ports)
    }

    /// Connections each listener saw, by port.
    private func opens(_ log: String) -> [Int: Int] {
        var counts: [Int: Int] = [:]
        for line in ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n") {
            let words = line.split(separator: " ")
            if words.count == 3, let port = Int(words[1]) { counts[port, default: 0] += 1 }
        }
        return counts
    }

    /// The second exec of lxc-n2a (its member learned from the first) goes straight to
    /// member 2 through member 2's listener, not around it, and not through member 1's.
    func testADirectExecDialsTheMappedAddress() throws {
        let (proxy, log, conf, ports) = try proxies()
        defer {
            proxy.stop()
            try? FileManager.default.removeItem(atPath: log)
            try? FileManager.default.removeItem(atPath: conf)
        }
        let map = zip(ClusterBed.members, ports).map { "\($0.url.dropFirst("https://".count))=127.0.0.1:\($1)" }
            .joined(separator: ",")
        let env: [String: String?] = ["LXD_CONF": conf, "LXATTACH_CLUSTER_ADDRESS_MAP": map]
        let first = try clattach(["exec", "c1:lxc-n2a", "--", "true"], environment: env)
        XCTAssertEqual(first.status, 0, "\(first)")
        let before = opens(log)
        XCTAssertEqual(before[ports[1]] ?? 0, 0, "the first exec (route unknown) went through member 1: \(before)")
        let second = try clattach(["exec", "c1:lxc-n2a", "--", "true"], environment: env)
        XCTAssertEqual(second.status, 0, "\(second)")
        let after = opens(log)
        XCTAssertGreaterThanOrEqual((after[ports[1]] ?? 0) - (before[ports[1]] ?? 0), 5,
                                    "the second exec's connections did not go through member 2's listener: \(after)")
    }

    func testAMalformedMapIsOneErrorLine() throws {
        let r = try clattach(["exec", "n2:lxc-n2a", "--", "true"],
                             environment: ["LXATTACH_CLUSTER_ADDRESS_MAP": "127.0.1.2:8443"])
        XCTAssertEqual(r.status, 255, "\(r)")
        XCTAssertEqual(r.stderrText.split(separator: "\n").count, 1, "\(r)")
        XCTAssertTrue(r.stderrText.hasPrefix("Error: invalid LXATTACH_CLUSTER_ADDRESS_MAP=127.0.1.2:8443"), "\(r)")
    }
}
