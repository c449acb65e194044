// Remotes and transports: `remote list` against the real lxc, `info` over the unix
// socket and TLS, and `--debug`'s HTTP trace with every secret redacted.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class RemoteTests: IntegrationTestCase {
    func testRemoteListTableIsLxcsAndShowsLocalAndTLS() throws {
        let r = try lxattach(["remote", "list"])
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stderrText, "", "\(r)")
        let rows = OpsParse.table(r.stdoutText)
        XCTAssertEqual(rows.first, ["NAME", "URL", "PROTOCOL", "AUTH TYPE", "PUBLIC", "STATIC", "GLOBAL"], "\(r)")
        XCTAssertTrue(rows.contains(["local (current)", "unix://", "lxd", "file access", "NO", "YES", "NO"]), "\(r)")
        XCTAssertTrue(rows.contains([Testbed.remote, "https://\(Testbed.httpsAddress)", "lxd", "tls", "NO", "NO", "NO"]), "\(r)")
        // Byte for byte what lxc prints.
        let real = try reference { try lxc("remote", "list") }
        XCTAssertEqual(real.status, 0, "\(real)")
        XCTAssertEqual(r.stdoutText, real.stdoutText)
    }

    func testRemoteListCSVAndCompactAreLxcs() throws {
        let csv = try lxattach(["remote", "list", "--format", "csv"])
        XCTAssertEqual(csv.status, 0, "\(csv)")
        let rows = OpsParse.csv(csv.stdoutText)
        XCTAssertTrue(rows.contains(["local (current)", "unix://", "lxd", "file access", "NO", "YES", "NO"]), "\(csv)")
        XCTAssertTrue(rows.contains([Testbed.remote, "https://\(Testbed.httpsAddress)", "lxd", "tls", "NO", "NO", "NO"]), "\(csv)")
        XCTAssertEqual(rows.filter { $0.first?.hasSuffix("(current)") ?? false }.count, 1, "\(csv)")
        XCTAssertEqual(csv.stdoutText, try reference { try lxc("remote", "list", "--format", "csv") }.stdoutText)

        let compact = try lxattach(["remote", "list", "--format", "compact"])
        XCTAssertEqual(compact.status, 0, "\(compact)")
        XCTAssertTrue(OpsParse.compact(compact.stdoutText).contains(["local (current)", "unix://", "lxd", "file access", "NO", "YES", "NO"]), "\(compact)")
        XCTAssertEqual(compact.stdoutText, try reference { try lxc("remote", "list", "--format", "compact") }.stdoutText)
    }

    func testInfoOverUnixAndTLS() throws {
        for (arg, name) in [("", "local"), ("\(Testbed.remote):", Testbed.remote)] {
            let r = try lxattach(["info"] + (arg.isEmpty ? [] : [arg]))
            XCTAssertEqual(r.status, 0, "\(r)")
            XCTAssertEqual(r.stderrText, "", "\(r)")
            XCTAssertNotNil(
                r.stdoutText.range(of: #"^\#(name): lxd 5\.0\.\d+ \(API 1\.0, auth: trusted\)\n$"#, options: .regularExpression),
                "\(r)")
        }
    }

    /// `--debug` (after the verb, or before it like lxc's): the whole exchange on stderr,
    /// and not one of the operation's secrets.
    func testDebugTraceHasTheExchangeAndNoSecretOverUnixAndTLS() throws {
        let hex64 = try NSRegularExpression(pattern: "[0-9a-fA-F]{64}")
        for (args, host) in [
            (["exec", "--debug", Testbed.c1, "--", "true"], "unix.socket"),
            (["--debug", "exec", Testbed.c1, "--", "true"], "unix.socket"),
            (["exec", "--debug", "\(Testbed.remote):\(Testbed.c1)", "--", "true"], Testbed.httpsAddress),
        ] {
            let r = try lxattach(args)
            XCTAssertEqual(r.status, 0, "\(r)")
            XCTAssertEqual(r.stdoutText, "", "\(r)")
            let trace = r.stderrText
            XCTAssertTrue(trace.contains("> POST /1.0/instances/\(Testbed.c1)/exec HTTP/1.1\n"), "\(r)")
            XCTAssertTrue(trace.contains("> Host: \(host)\n"), "\(r)")
            XCTAssertTrue(trace.contains("< HTTP/1.1 202 Accepted"), "\(r)")
            XCTAssertTrue(trace.contains("websocket?secret=<redacted>"), "\(r)")
            XCTAssertTrue(trace.contains("\"control\":\"<redacted>\""), "\(r)")
            XCTAssertTrue(trace.contains("< HTTP/1.1 101 Switching Protocols"), "\(r)")
            XCTAssertEqual(hex64.numberOfMatches(in: trace, range: NSRange(trace.startIndex..., in: trace)), 0, "a secret leaked: \(r)")

            // The real secrets, from the finished operation (it lingers a few seconds).
            let location = try XCTUnwrap(
                trace.range(of: #"Location: /1\.0/operations/[0-9a-f-]+"#, options: .regularExpression), "\(r)")
            let id = String(trace[location].split(separator: "/").last!)
            let q = try reference { try lxc("query", "/1.0/operations/\(id)") }
            XCTAssertEqual(q.status, 0, "\(q)")
            let op = try XCTUnwrap(OpsParse.json(q.stdoutText) as? [String: Any], "\(q)")
            let fds = try XCTUnwrap((op["metadata"] as? [String: Any])?["fds"] as? [String: String], "\(op)")
            XCTAssertEqual(fds.count, 4, "\(fds)")
            for (fd, secret) in fds {
                XCTAssertEqual(secret.count, 64, "fd \(fd)")
                XCTAssertFalse(trace.contains(secret), "secret of fd \(fd) leaked: \(r)")
            }
        }
    }

    func testWithoutDebugNothingIsTraced() throws {
        let r = try lxattach(["exec", "\(Testbed.remote):\(Testbed.c1)", "--", "true"])
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stderrText, "", "\(r)")
    }
}
