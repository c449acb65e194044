// `lxattach operation watch` against the real daemons: LXD 5.0.2 over the unix socket
// and TLS, and Incus 6.0. The daemon is shared, so each test looks only at the events
// of its own exec (found by a unique marker in the command line). "The daemon went
// away" is played by Tests/Fixtures/cut_proxy.py, a forwarder to the real socket that
// the test cuts (the shared daemon itself is never stopped).
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class OperationWatchTests: IntegrationTestCase {
    private func marker() -> String { "lxa-watch-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())" }

    /// The JSON events in `text` whose command line contains `marker`.
    private func events(_ text: String, marker: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap { line in
            guard line.contains(marker) else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    private func opStatus(_ event: [String: Any]) -> (status: String?, ret: Int?) {
        let op = event["metadata"] as? [String: Any]
        return (op?["status"] as? String, (op?["metadata"] as? [String: Any])?["return"] as? Int)
    }

    /// Starts a watch, runs one exec that exits 4, and checks the events seen and the
    /// clean end on `signal`.
    private func watchSeesAnExec(remote: String, watchArgs: [String] = [], execArgs: [String] = [],
                                 instance: String = Testbed.c1, environment: [String: String] = [:],
                                 showSecrets: Bool = false, file: StaticString = #filePath, line: UInt = #line) throws {
        let tag = marker()
        let watch = try BackgroundProcess.lxattach(["operation", "watch", "--format", "jsonl"] + watchArgs
                                                   + (showSecrets ? ["--show-secrets"] : []) + (remote.isEmpty ? [] : [remote]),
                                                   environment: environment)
        // The events socket is open once the watch shows up in the daemon's connections;
        // simplest bound: give it a moment, then retry the exec until an event arrives.
        var seen: [[String: Any]] = []
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            let r = try lxattach(execArgs + ["exec", "\(remote)\(instance)", "--", "sh", "-c", "exit 4; : \(tag)"],
                                 environment: environment.mapValues { $0 }, file: file, line: line)
            XCTAssertEqual(r.status, 4, "\(r)", file: file, line: line)
            if waitUntilQuietly(timeout: 3, { self.events(watch.stdout, marker: tag).contains { self.opStatus($0).status == "Success" } }) {
                break
            }
        }
        seen = events(watch.stdout, marker: tag)
        let statuses = seen.map { opStatus($0).status ?? "?" }
        XCTAssertTrue(statuses.contains("Running"), "no Running event: \(statuses) \(watch.stderr)", file: file, line: line)
        XCTAssertTrue(seen.contains { opStatus($0).status == "Success" && opStatus($0).ret == 4 },
                      "no Success event with return 4: \(statuses)", file: file, line: line)
        // Secrets: redacted unless asked for; the daemon's are 64 hex digits.
        let fds = seen.compactMap { (($0["metadata"] as? [String: Any])?["metadata"] as? [String: Any])?["fds"] as? [String: String] }
        XCTAssertFalse(fds.isEmpty, "no fds in the exec's events", file: file, line: line)
        for map in fds {
            for (_, secret) in map {
                if showSecrets {
                    XCTAssertEqual(secret.count, 64, "not the daemon's secret: \(secret)", file: file, line: line)
                } else {
                    XCTAssertEqual(secret, "<redacted>", file: file, line: line)
                }
            }
        }
        if !showSecrets {
            XCTAssertNil(watch.stdout.range(of: "[0-9a-f]{64}", options: .regularExpression), "a secret leaked", file: file, line: line)
        }
        watch.signal(SIGINT)
        XCTAssertEqual(watch.exitStatus(timeout: 5), 0, "no clean end on SIGINT: \(watch.stderr)", file: file, line: line)
        XCTAssertEqual(watch.stderr, "", file: file, line: line)
    }

    /// `waitUntil` without failing the test on timeout.
    private func waitUntilQuietly(timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return true }
            usleep(50_000)
        }
        return false
    }

    func testJSONLinesOverUnix() throws {
        try watchSeesAnExec(remote: "")
    }

    func testJSONLinesOverTLS() throws {
        try watchSeesAnExec(remote: Testbed.remote + ":")
    }

    func testShowSecretsPrintsTheDaemonsSecrets() throws {
        try watchSeesAnExec(remote: "", showSecrets: true)
    }

    func testAnotherProjectsOperations() throws {
        try watchSeesAnExec(remote: "", watchArgs: ["--project", Testbed.project], execArgs: ["--project", Testbed.project],
                            instance: Testbed.projectInstance)
    }

    func testIncusOverUnixAndTLS() throws {
        for remote in ["", "tls:"] {
            try watchSeesAnExec(remote: remote, watchArgs: ["--incus"], execArgs: ["--incus"], instance: Testbed.incusC1,
                                environment: ["INCUS_CONF": Testbed.incusConf])
        }
    }

    func testTheTableShowsTheExecAndEndsOnSIGTERM() throws {
        let tag = marker()
        let watch = try BackgroundProcess.lxattach(["operation", "watch", "--format", "table"])
        var id = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && id.isEmpty {
            let started = try lxattach(["exec", "--detach", Testbed.c1, "--", "sh", "-c", "exit 5; : \(tag)"])
            let candidate = started.stdoutText.trimmingCharacters(in: .newlines)
            _ = try lxattach(["operation", "output", candidate])
            if waitUntilQuietly(timeout: 3, { watch.stdout.contains(candidate) }) { id = candidate }
        }
        XCTAssertFalse(id.isEmpty, "the table never showed the exec: \(watch.stdout)")
        let lines = watch.stdout.split(separator: "\n")
        XCTAssertTrue(lines.first?.hasPrefix("TIME") == true, "no header: \(watch.stdout)")
        XCTAssertTrue(lines.contains { $0.contains(id) && $0.contains(" Success    5 ") },
                      "no Success row with return 5: \(watch.stdout)")
        watch.signal(SIGTERM)
        XCTAssertEqual(watch.exitStatus(timeout: 5), 0, "no clean end on SIGTERM: \(watch.stderr)")
    }

    /// Starts cut_proxy.py (LISTEN → TARGET); returns it and what it listens on.
    private func startProxy(_ listen: String, _ target: String) throws -> (Process, String) {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/cut_proxy.py").path
        let proxy = Process()
        proxy.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        proxy.arguments = ["python3", script, listen, target]
        let out = Pipe()
        proxy.standardOutput = out
        proxy.standardInput = Pipe()
        try proxy.run()
        let ready = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
        XCTAssertTrue(ready.hasPrefix("ready "), ready)
        return (proxy, String(ready.dropFirst(6)).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// A watch through the proxy sees the real daemon's events; cutting the proxy ends it
    /// with 255 and one line within 10 s.
    private func assertCutEndsTheWatch(_ proxy: Process, remote: String, environment: [String: String],
                                       file: StaticString = #filePath, line: UInt = #line) throws {
        let watch = try BackgroundProcess.lxattach(["operation", "watch", "--format", "jsonl", remote], environment: environment)
        let tag = marker()
        var seen = false
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && !seen {
            _ = try lxattach(["exec", Testbed.c1, "--", "sh", "-c", ": \(tag)"], file: file, line: line)
            seen = waitUntilQuietly(timeout: 3) { watch.stdout.contains(tag) }
        }
        XCTAssertTrue(seen, "no event through the proxy: \(watch.stderr)", file: file, line: line)
        proxy.terminate()  // every connection cut at once, as when the daemon dies
        XCTAssertEqual(watch.exitStatus(timeout: 10), 255, "did not end with 255 within 10 s: \(watch.stderr)", file: file, line: line)
        let lines = watch.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "\(watch.stderr)", file: file, line: line)
        XCTAssertTrue(watch.stderr.hasPrefix("Error: "), "\(watch.stderr)", file: file, line: line)
        XCTAssertTrue(watch.stderr.contains("events stream"), "\(watch.stderr)", file: file, line: line)
    }

    func testTheDaemonGoingAwayEndsWithOneErrorLineOverUnix() throws {
        let socket = NSTemporaryDirectory() + "lxattach-cut-\(getpid()).sock"
        let (proxy, _) = try startProxy("unix:" + socket, "unix:" + Testbed.socket)
        defer {
            if proxy.isRunning { proxy.terminate() }
            proxy.waitUntilExit()
            try? FileManager.default.removeItem(atPath: socket)
        }
        let empty = NSTemporaryDirectory() + "lxattach-cut-conf-\(getpid())"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        try assertCutEndsTheWatch(proxy, remote: "local:", environment: ["LXD_SOCKET": socket, "LXD_CONF": empty])
    }

    func testTheDaemonGoingAwayEndsWithOneErrorLineOverTLS() throws {
        let (proxy, port) = try startProxy("tcp:127.0.0.1:0", "tcp:" + Testbed.httpsAddress)
        defer {
            if proxy.isRunning { proxy.terminate() }
            proxy.waitUntilExit()
        }
        // A config folder whose remote `cut` is the proxy, with the daemon's certificate
        // pinned and the test bed's trusted client certificate.
        let conf = NSTemporaryDirectory() + "lxattach-cut-tls-\(getpid())"
        let fm = FileManager.default
        try? fm.removeItem(atPath: conf)
        try fm.createDirectory(atPath: conf + "/servercerts", withIntermediateDirectories: true)
        defer { try? fm.removeItem(atPath: conf) }
        for name in ["client.crt", "client.key"] {
            try fm.copyItem(atPath: Testbed.conf + "/" + name, toPath: conf + "/" + name)
        }
        try fm.copyItem(atPath: Testbed.conf + "/servercerts/tls.crt", toPath: conf + "/servercerts/cut.crt")
        try """
            default-remote: local
            remotes:
              cut:
                addr: https://127.0.0.1:\(port)
                protocol: lxd
                auth_type: tls
                public: false
            aliases: {}

            """.write(toFile: conf + "/config.yml", atomically: true, encoding: .utf8)
        try assertCutEndsTheWatch(proxy, remote: "cut:", environment: ["LXD_CONF": conf])
    }

    func testOnATerminalCtrlCEndsItCleanly() throws {
        let tmux = try TmuxSession(width: 120)
        defer { tmux.close() }
        // bash is reading its terminal before the wrapped command is typed.
        try tmux.type("echo ready-$((6*7))")
        tmux.waitForLine("ready-42")
        // The tmux server is shared (its environment may come from another test run):
        // this pane's lxattach gets exactly the test bed's config and a cache of its own.
        let run = try WrappedRun(tmux, ["operation", "watch", "tls:"],
                                 setup: "unset LXATTACH_CONFIG_READER LXD_SOCKET LXD_DIR LXC_REMOTE LXATTACH_FLAVOR; "
                                     + "export LXD_CONF=\(shellQuote(Testbed.conf)) XDG_CACHE_HOME=\(shellQuote(tmux.directory + "/cache"))")
        tmux.waitForPrefix("TIME")
        var id = ""
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline && id.isEmpty {
            let started = try lxattach(["exec", "--detach", "tls:" + Testbed.c1, "--", "true"])
            let candidate = started.stdoutText.trimmingCharacters(in: .newlines)
            _ = try lxattach(["operation", "output", "tls:" + candidate])
            if waitUntilQuietly(timeout: 3, { tmux.lines().contains { $0.contains(candidate) && $0.contains("Success") } }) {
                id = candidate
            }
        }
        XCTAssertFalse(id.isEmpty, "the table never showed the exec; screen:\n\(tmux.capture())")
        try tmux.keys("C-c")
        XCTAssertEqual(run.waitForExit(), 0, "screen:\n\(tmux.capture())")
        XCTAssertEqual(run.stderr, "")
        run.assertTerminalRestored()
    }
}
