// README promises about the command line itself, against the real daemon: refused
// input (invalid LXATTACH_TIMEOUT / LXATTACH_KEEPALIVE, a format `operation show`
// cannot print), usage errors pointing at the right help, `incattach` through a real
// symlink, and `--debug` hiding `--env` values.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class CLIPromiseTests: IntegrationTestCase {
    /// Invalid values are refused with one line naming the variable (they used to fall
    /// back to the defaults silently); an empty value means unset.
    func testInvalidTimeoutAndKeepaliveValuesAreRefused() throws {
        for name in ["LXATTACH_TIMEOUT", "LXATTACH_KEEPALIVE"] {
            for value in ["abc", "0", "-1", "nan", "5s"] {
                let r = try lxattach(["exec", Testbed.c1, "--", "echo", "ran"], environment: [name: value])
                assertOneErrorLine(r, contains: ["\(name)=\(value)", "seconds"])
            }
            let fine = try lxattach(["exec", Testbed.c1, "--", "echo", "ran"], environment: [name: "2.5"])
            XCTAssertEqual(fine.status, 0, "\(fine)")
            XCTAssertEqual(fine.stdoutText, "ran\n", "\(fine)")
            let empty = try lxattach(["info"], environment: [name: ""])
            XCTAssertEqual(empty.status, 0, "\(empty)")
        }
    }

    /// `operation show/wait` print one document; table, csv and compact are refused
    /// (they used to print YAML).
    func testOperationShowAndWaitRefuseTableFormats() throws {
        for verb in ["show", "wait"] {
            for format in ["table", "csv", "compact"] {
                let r = try lxattach(["operation", verb, "--format", format, "00000000-0000-0000-0000-000000000000"])
                assertOneErrorLine(r, contains: ["\"\(format)\"", "yaml or json", "lxattach operation \(verb) --help"])
            }
        }
    }

    /// A usage error names the help of the subcommand it happened in.
    func testUsageErrorsPointToTheSubcommandsHelp() throws {
        let cases: [([String], String)] = [
            (["operation", "show"], "(see 'lxattach operation show --help')"),
            (["operation", "ls", "--bogus"], "(see 'lxattach operation ls --help')"),
            (["remote", "list", "--bogus"], "(see 'lxattach remote list --help')"),
            (["operation", "bogus"], "(see 'lxattach operation --help')"),
            (["exec"], "(see 'lxattach exec --help')"),
            (["--debug", "operation", "wait"], "(see 'lxattach operation wait --help')"),
            (["no-such-verb"], "(see 'lxattach --help')"),
        ]
        for (args, expected) in cases {
            assertOneErrorLine(try lxattach(args), contains: [expected])
        }
    }

    /// `incattach` is lxattach through a symlink: Incus's config and socket, and help
    /// and usage errors that speak of incattach and incus, not lxattach and lxc.
    func testIncattachThroughARealSymlink() throws {
        let dir = NSTemporaryDirectory() + "lxattach-incattach-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let link = dir + "/incattach"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: try Built.lxattach())
        // LXD_CONF points at LXD's folder: a symlink that still read it would reach LXD.
        let env: [String: String?] = ["INCUS_CONF": Testbed.incusConf, "LXD_CONF": Testbed.conf]
        let r = try runCommand(link, ["exec", Testbed.incusC1, "--", "sh", "-c", "echo ran; exit 4"], environment: env)
        XCTAssertEqual(r.status, 4, "\(r)")
        XCTAssertEqual(r.stdoutText, "ran\n", "\(r)")
        let info = try runCommand(link, ["info"], environment: env)
        XCTAssertEqual(info.status, 0, "\(info)")
        XCTAssertTrue(info.stdoutText.contains("incus"), "\(info)")

        for args in [["--help"], ["exec", "--help"], ["operation", "list", "--help"], ["shell", "--help"]] {
            let help = try runCommand(link, args, environment: env)
            XCTAssertEqual(help.status, 0, "\(help)")
            XCTAssertTrue(help.stdoutText.contains("incattach"), "\(help)")
            XCTAssertFalse(help.stdoutText.contains("lxattach"), "\(help)")
            XCTAssertNil(help.stdoutText.range(of: #"\blxc\b"#, options: .regularExpression), "\(help)")
        }
        assertOneErrorLine(try runCommand(link, ["operation", "show"], environment: env),
                           contains: ["(see 'incattach operation show --help')"])
        // The plain name still speaks of lxc.
        let plain = try lxattach(["--help"])
        XCTAssertTrue(plain.stdoutText.contains("lxc's configuration"), "\(plain)")
    }

    /// `--debug` shows the exchange but not `--env` values (often credentials), neither
    /// in our POST body nor in the daemon's echo of it; the command still gets them.
    func testDebugHidesEnvValues() throws {
        let secret = "s3cr3t-\(UUID().uuidString.prefix(8))"
        let r = try lxattach(["--debug", "exec", Testbed.c1, "--env", "API_TOKEN=\(secret)", "--", "sh", "-c", "echo \"$API_TOKEN\""])
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdoutText, secret + "\n", "\(r)")
        XCTAssertTrue(r.stderrText.contains(#""API_TOKEN":"<redacted>""#), "\(r)")
        XCTAssertFalse(r.stderrText.contains(secret), "the value leaked: \(r)")
        XCTAssertTrue(r.stderrText.contains("POST /1.0/instances/\(Testbed.c1)/exec"), "\(r)")
    }
}
