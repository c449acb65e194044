// `lxattach --incus` against the real Incus over HTTPS (remote `tls` of
// Testbed.incusConf, a client certificate trusted by the daemon), compared with the
// real `incus` on the same folder.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class IncusTLSTests: IncusTestCase {
    /// `tls:ia-c1`: the Incus instance over https (Testbed.incusHTTPSAddress).
    private let tlsC1 = "\(Testbed.remote):\(Testbed.incusC1)"

    /// Runs lxattach as the Incus client with INCUS_CONF=conf-incus (remote `tls`).
    @discardableResult
    private func incattachTLS(
        _ arguments: [String], environment: [String: String?] = [:], stdin: CommandInput = .null, timeout: Double = 30,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> CommandResult {
        var env = Self.incusDefaults
        env["INCUS_CONF"] = Testbed.incusConf
        for (k, v) in environment { env[k] = v }
        return try lxattach(["--incus"] + arguments, environment: env, stdin: stdin, timeout: timeout,
                            file: file, line: line)
    }

    /// The real `incus` with the same folder: the test bed's https remote works for it
    /// (a failing lxattach test below is then lxattach's fault).
    func testTLSRemoteWorksForTheRealIncus() throws {
        var env = Self.incusDefaults
        env["INCUS_CONF"] = Testbed.incusConf
        let r = try reference { try runCommand("incus", ["exec", tlsC1, "--", "sh", "-c", "echo hi; exit 7"], environment: env) }
        XCTAssertEqual(r.status, 7, "\(r) (run Scripts/testbed; see \(Testbed.incusLog))")
        XCTAssertEqual(r.stdoutText, "hi\n", "\(r)")
        let remotes = try incattachTLS(["remote", "list"])
        XCTAssertEqual(remotes.status, 0, "\(remotes)")
        XCTAssertTrue(remotes.stdoutText.contains("https://\(Testbed.incusHTTPSAddress)"), "\(remotes)")
    }

    /// Exit status 7, stdout and stderr apart (bytes included), over https.
    func testTLSExitStatusAndStdoutStderrSeparation() throws {
        let s = SeparationScript(count: 200, then: "exit 7")
        let r = try incattachTLS(["exec", tlsC1, "--", "sh", "-c", s.script])
        s.assertCarried(by: r, status: 7)
        let plain = try incattachTLS(["exec", tlsC1, "--", "sh", "-c", "exit 7"])
        XCTAssertEqual(plain.status, 7, "\(plain)")
        XCTAssertEqual(plain.stdout + plain.stderr, [], "\(plain)")
    }

    /// stdin through `cat` over https (and its end reaches the command).
    func testTLSStdinThroughCat() throws {
        let data = try ExecChecks.randomBytes(256 << 10)
        let r = try incattachTLS(["exec", tlsC1, "--", "cat"], stdin: .bytes(data), timeout: 60)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdout.count, data.count)
        XCTAssertTrue(r.stdout == data, "bytes through cat differ")
        let text = try incattachTLS(["exec", tlsC1, "--", "sh", "-c", "cat; echo end"], stdin: .text("no newline"))
        XCTAssertEqual(text.stdoutText, "no newlineend\n", "\(text)")
    }

    /// `--debug`: the five connections of the set-up open at once over Incus's TLS, and
    /// the next process resumes the kept session on all five; Incus accepts those
    /// websockets (its requestor check: same client certificate as the POST).
    func testTLSDebugShowsTheSetUpAndTheNextProcessResumes() throws {
        let cache = NSTemporaryDirectory() + "lxattach-incus-resume-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: cache) }
        for run in 0..<3 {
            let r = try incattachTLS(["--debug", "exec", tlsC1, "--", "sh", "-c", "echo ok"], environment: ["XDG_CACHE_HOME": cache])
            XCTAssertEqual(r.status, 0, "\(r)")
            XCTAssertEqual(r.stdoutText, "ok\n", "\(r)")
            XCTAssertTrue(r.stderrText.contains("(set-up: 5 connections at once)"), r.stderrText)
            XCTAssertEqual(r.stderrText.components(separatedBy: ", session resumed").count - 1, run == 0 ? 0 : 5, r.stderrText)
            XCTAssertTrue(r.stderrText.contains("websockets attached: control, 0, 1, 2"), r.stderrText)
        }
    }

    /// SIGTERM to lxattach reaches `sleep` over https: 143, nothing on stderr.
    func testTLSSIGTERMIsForwarded() throws {
        try assertSIGTERMForwarded(["--incus", "exec", tlsC1], environment: ["INCUS_CONF": Testbed.incusConf])
    }

    /// `lxattach --incus operation list tls:` shows the exec running over https, with
    /// the id the real `incus operation list tls:` shows.
    func testTLSOperationListShowsTheRunningExec() throws {
        let marker = "lxa-incus-tls-ops-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())"
        let child = try LiveChild(["--incus", "exec", tlsC1, "--", "sh", "-c", "echo ready; cat >/dev/null; : \(marker)"],
                                  environment: ["INCUS_CONF": Testbed.incusConf])
        // Ended by EOF on its input: nothing (no `sleep`) is left in the instance.
        defer { child.closeStdin(); child.wait(timeout: 10) }
        guard child.readStdout(until: "ready\n") else { return }
        let ours = runningExecIDs(try incattachTLS(["operation", "list", "--format", "json", "\(Testbed.remote):"]), marker)
        var env = Self.incusDefaults
        env["INCUS_CONF"] = Testbed.incusConf
        let theirs = runningExecIDs(try reference { try runCommand("incus", ["operation", "list", "--format", "json", "\(Testbed.remote):"],
                                                   environment: env) }, marker)
        XCTAssertEqual(ours.count, 1, "ours: \(ours)")
        XCTAssertEqual(ours, theirs)
        if let id = ours.first {
            let table = try incattachTLS(["operation", "list", "\(Testbed.remote):"])
            XCTAssertEqual(table.status, 0, "\(table)")
            XCTAssertTrue(table.stdoutText.contains(id), "\(table)")
        }
        child.signal(SIGTERM)
        guard child.wait(timeout: 10) else { return }
        XCTAssertEqual(child.status, 143, "\(child)")
    }
}
