// lxattach's own failures against the real daemon and real lxc config folders: each is
// exactly one `Error: …` line on stderr (no usage text, no stack trace), nothing on
// stdout, and exit status 255.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Asserts that `r` is one of our own failures: exit `status`, empty stdout, and stderr
/// exactly one line `Error: …` holding every string of `contains`. Returns the line.
@discardableResult
func assertOneErrorLine(
    _ r: CommandResult,
    status: Int32 = 255,
    contains: [String] = [],
    file: StaticString = #filePath,
    line: UInt = #line
) -> String {
    XCTAssertFalse(r.timedOut, "\(r)", file: file, line: line)
    XCTAssertEqual(r.status, status, "\(r)", file: file, line: line)
    XCTAssertEqual(r.stdoutText, "", "\(r)", file: file, line: line)
    let text = r.stderrText
    XCTAssertTrue(text.hasPrefix("Error: "), "\(r)", file: file, line: line)
    XCTAssertTrue(text.hasSuffix("\n"), "\(r)", file: file, line: line)
    XCTAssertEqual(text.filter { $0 == "\n" }.count, 1, "not one line: \(r)", file: file, line: line)
    for noise in ["Usage", "USAGE", "Fatal error", "Stack", "backtrace", "Current stack trace"] {
        XCTAssertFalse(text.contains(noise), "\(noise) in \(r)", file: file, line: line)
    }
    for s in contains {
        XCTAssertTrue(text.contains(s), "no \(s.debugDescription) in \(r)", file: file, line: line)
    }
    return String(text.dropLast())
}

final class ErrorTests: IntegrationTestCase {
    private let tlsInstance = "\(Testbed.remote):\(Testbed.c1)"

    /// The daemon's certificate SHA-256 fingerprint, lower-case hex without colons.
    private func serverFingerprint() throws -> String {
        let r = try runCommand("openssl", ["x509", "-in", Testbed.serverCert, "-noout", "-fingerprint", "-sha256"])
        XCTAssertEqual(r.status, 0, "\(r)")
        let hex = r.stdoutText.split(separator: "=").last.map(String.init) ?? ""
        let fingerprint = hex.filter { $0.isHexDigit }.lowercased()
        XCTAssertEqual(fingerprint.count, 64, "\(r)")
        return fingerprint
    }

    func testUnknownRemoteIsOneLineLikeLxc() throws {
        let lxcLine = try reference { try lxc("exec", "nope:\(Testbed.c1)", "--", "true") }
        XCTAssertEqual(lxcLine.status, 1, "\(lxcLine)")
        for args in [
            ["exec", "nope:\(Testbed.c1)", "--", "true"],
            ["operation", "list", "nope:"],
            ["operation", "show", "nope:0b5c6e8a-0000-4000-8000-000000000000"],
            ["operation", "wait", "nope:0b5c6e8a-0000-4000-8000-000000000000"],
            ["info", "nope:"],
        ] {
            let r = try lxattach(args)
            assertOneErrorLine(r, contains: ["\"nope\""])
            // Word for word what lxc says.
            XCTAssertEqual(r.stderrText, lxcLine.stderrText, "\(args)")
        }
    }

    func testMissingUnixSocket() throws {
        for args in [["exec", Testbed.c1, "--", "true"], ["operation", "list"], ["info"]] {
            let r = try lxattach(args, environment: ["LXD_SOCKET": "/nonexistent/unix.socket"])
            assertOneErrorLine(r, contains: ["/nonexistent/unix.socket", "No such file or directory"])
        }
    }

    func testUntrustedClientCertificateIsNotAuthorizedLikeLxc() throws {
        let lxcLine = try reference { try lxc("exec", tlsInstance, "--", "true", conf: Testbed.confUntrusted) }
        XCTAssertEqual(lxcLine.status, 1, "\(lxcLine)")
        for args in [["exec", tlsInstance, "--", "true"], ["operation", "list", "\(Testbed.remote):"]] {
            let r = try lxattach(args, environment: ["LXD_CONF": Testbed.confUntrusted])
            assertOneErrorLine(r, contains: ["not authorized"])
            XCTAssertEqual(r.stderrText, lxcLine.stderrText, "\(args)")
        }
        // GET /1.0 is open to untrusted clients: the TLS session works, the daemon says who we are.
        let info = try lxattach(["info", "\(Testbed.remote):"], environment: ["LXD_CONF": Testbed.confUntrusted])
        XCTAssertEqual(info.status, 0, "\(info)")
        XCTAssertTrue(info.stdoutText.hasSuffix("auth: untrusted)\n"), "\(info)")
    }

    func testWrongPinnedCertificateShowsTheServerFingerprint() throws {
        let fingerprint = try serverFingerprint()
        for args in [["exec", tlsInstance, "--", "true"], ["operation", "list", "\(Testbed.remote):"]] {
            let r = try lxattach(args, environment: ["LXD_CONF": Testbed.confBadPin])
            let line = assertOneErrorLine(r, contains: ["does not match", "pinned", fingerprint])
            // The pin shown is the wrong one, not the server's.
            XCTAssertEqual(line.components(separatedBy: fingerprint).count, 2, line)
        }
    }

    func testNoPinFailsAsAnUnknownAuthority() throws {
        let fingerprint = try serverFingerprint()
        let r = try lxattach(["exec", tlsInstance, "--", "true"], environment: ["LXD_CONF": Testbed.confNoPin])
        assertOneErrorLine(r, contains: ["unknown authority", fingerprint])
    }

    func testMalformedConfigNamesTheFile() throws {
        let dir = NSTemporaryDirectory() + "lxa-ops-conf-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("default-remote: local\nremotes: [\n  local: {addr: unix://\n".utf8)
            .write(to: URL(fileURLWithPath: dir + "/config.yml"))
        for args in [["exec", Testbed.c1, "--", "true"], ["operation", "list"], ["remote", "list"]] {
            let r = try lxattach(args, environment: ["LXD_CONF": dir])
            assertOneErrorLine(r, contains: [dir + "/config.yml"])
        }
    }

    func testUnknownOperationIsNotFoundOverUnixAndTLS() throws {
        let id = "0b5c6e8a-\(String(format: "%04x", getpid() & 0xffff))-4000-8000-000000000000"
        let lxcLine = try reference { try lxc("operation", "show", id) }
        XCTAssertEqual(lxcLine.status, 1, "\(lxcLine)")
        for remote in ["", "\(Testbed.remote):"] {
            for verb in ["show", "wait", "delete"] {
                let r = try lxattach(["operation", verb, remote + id])
                assertOneErrorLine(r, contains: ["Operation not found"])
                XCTAssertEqual(r.stderrText, lxcLine.stderrText, "\(verb) \(remote)")
            }
        }
    }

    func testBadUsageIsOneLine() throws {
        let cases: [([String], String)] = [
            (["operation", "show"], "Missing expected argument"),
            (["operation", "wait"], "Missing expected argument"),
            (["exec"], "Missing expected argument"),
            (["exec", Testbed.c1], "Missing command"),
            (["operation", "list", "--bogus"], "--bogus"),
            (["exec", "--bogus", Testbed.c1, "--", "true"], "--bogus"),
            (["operation", "list", "--format", "xml"], "xml"),
            (["operation", "wait", "--timeout", "-1", "x"], "timeout"),
            (["no-such-verb"], "no-such-verb"),
        ]
        for (args, expected) in cases {
            let r = try lxattach(args)
            XCTAssertNotEqual(r.status, 0, "\(r)")
            assertOneErrorLine(r, contains: [expected])
        }
    }
}
