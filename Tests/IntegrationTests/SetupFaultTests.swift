// Faults while many sessions are being set up (issue 23): the set-ups run side by side in
// one loop, so a fault must end exactly the sessions it touches, each with its own error
// line and within its deadline, while the others finish. "The daemon dies during set-up"
// is played by Tests/Fixtures/cut_proxy.py in front of the real HTTPS listener, frozen
// (SIGSTOP: the kernel still accepts, nothing answers) and then killed.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class SetupFaultTests: IntegrationTestCase {
    /// A copy of the test bed's conf/ with a remote `cut` through the proxy at `port`.
    private func conf(port: String) throws -> String {
        let dir = NSTemporaryDirectory() + "lxattach-cutconf-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.copyItem(atPath: Testbed.conf, toPath: dir)
        try FileManager.default.copyItem(atPath: dir + "/servercerts/\(Testbed.remote).crt", toPath: dir + "/servercerts/cut.crt")
        var yaml = try String(contentsOfFile: dir + "/config.yml", encoding: .utf8)
        yaml = yaml.replacingOccurrences(of: "remotes:\n", with: """
            remotes:
              cut:
                addr: https://127.0.0.1:\(port)
                protocol: lxd
                auth_type: tls
                public: false

            """)
        try yaml.write(toFile: dir + "/config.yml", atomically: true, encoding: .utf8)
        return dir
    }

    func testTheDaemonDyingDuringSetUpEndsOnlyItsSessionsEachWithItsLine() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/cut_proxy.py").path
        let proxy = Process()
        proxy.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        proxy.arguments = ["python3", script, "tcp:127.0.0.1:0", "tcp:" + Testbed.httpsAddress]
        let out = Pipe()
        proxy.standardOutput = out
        proxy.standardInput = Pipe()
        try proxy.run()
        defer {
            kill(proxy.processIdentifier, SIGCONT)
            if proxy.isRunning { kill(proxy.processIdentifier, SIGKILL) }
            proxy.waitUntilExit()
        }
        let ready = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        XCTAssertTrue(ready.hasPrefix("ready "), ready)
        let port = String(ready.dropFirst(6)).trimmingCharacters(in: .whitespacesAndNewlines)
        let dir = try conf(port: port)
        defer { try? FileManager.default.removeItem(atPath: dir) }

        // Frozen: connections are accepted by the kernel and never answered.
        XCTAssertEqual(kill(proxy.processIdentifier, SIGSTOP), 0)
        let cut = (1...10).map { String(format: "cut:lxa-f%02d", $0) }
        let healthy = (11...15).map { String(format: "\(Testbed.remote):lxa-f%02d", $0) }
        let run = try BackgroundProcess.lxattach(["exec", (cut + healthy).joined(separator: ","), "--", "echo", "ran"],
                                                 environment: ["LXD_CONF": dir])
        // The healthy remote's sessions finish while the others are stuck in their set-up.
        waitUntil("the healthy sessions, not held by the stuck ones: \(run.stdout) \(run.stderr)", timeout: 20) {
            healthy.allSatisfy { run.stdout.contains("\($0): ran\n") }
        }
        XCTAssertNil(run.exitStatus(timeout: 0.5), "ended before the fault: \(run.stderr)")
        let killedAt = Date()
        kill(proxy.processIdentifier, SIGKILL)   // the "daemon" dies: every connection reset

        XCTAssertEqual(run.exitStatus(timeout: 15), 255, "\(run.stderr)")
        XCTAssertLessThan(Date().timeIntervalSince(killedAt), 5, "each set-up ended at the reset, not at a deadline")
        let errors = run.stderr.split(separator: "\n").map(String.init)
        for name in cut {
            XCTAssertEqual(errors.filter { $0.hasPrefix("\(name): Error: ") }.count, 1, "\(name): \(run.stderr)")
        }
        XCTAssertTrue(errors.last?.hasPrefix("5 ok, 10 ") == true, "\(run.stderr)")
        XCTAssertEqual(Set(run.stdout.split(separator: "\n").map(String.init)), Set(healthy.map { "\($0): ran" }), run.stdout)
    }

    /// A remote that refuses every connection: its sessions end at once with the refusal,
    /// the others run.
    func testARefusingRemoteEndsOnlyItsSessions() throws {
        let dir = try conf(port: "1")   // nothing listens on port 1
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let targets = ["cut:lxa-f01", "cut:lxa-f02", "\(Testbed.remote):lxa-f03", "\(Testbed.remote):lxa-f04"]
        let r = try lxattach(["exec", targets.joined(separator: ","), "--", "echo", "ran"], environment: ["LXD_CONF": dir])
        XCTAssertEqual(r.status, 255, "\(r)")
        XCTAssertLessThan(r.seconds, 5, "\(r)")
        XCTAssertEqual(Set(r.stdoutText.split(separator: "\n").map(String.init)),
                       ["\(Testbed.remote):lxa-f03: ran", "\(Testbed.remote):lxa-f04: ran"], "\(r)")
        for name in targets.prefix(2) {
            XCTAssertTrue(r.stderrText.contains("\(name): Error: cannot connect to 127.0.0.1:1: connection refused"), "\(r)")
        }
    }
}
