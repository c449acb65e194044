// `lxattach exec` on many instances, against the real daemon: selection (lists, ranges,
// globs, --all, --location, --project), the output formats (prefixed lines, --gather,
// --format jsonl, --outdir), the highest status and the summary line. The real `lxc`
// is the reference for what each instance prints.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class FanOutTests: IntegrationTestCase {
    /// Prints its instance's name on both streams, a last line without newline, and
    /// exits with the number in its name modulo 4 for lxa-f02..f04 (0 elsewhere).
    private let script = """
        h=$(hostname); echo "out $h"; echo "err $h" >&2; printf 'tail'
        case $h in lxa-f02) exit 3;; lxa-f03) exit 5;; esac
        """

    private func lines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
    }

    func testEveryLineIsPrefixedOnItsOwnStream() throws {
        let names = Array(Testbed.fanOut.prefix(4))
        let r = try lxattach(["exec", "lxa-f[01-04]", "--", "sh", "-c", script])
        XCTAssertEqual(r.status, 5, "the highest status: \(r)")
        // What lxc prints for each, prefixed, in any order across instances but in order within one.
        var expectedOut: [String] = [], expectedErr: [String] = []
        for name in names {
            let ref = try reference { try lxc("exec", name, "--", "sh", "-c", script) }
            expectedOut += lines(ref.stdoutText.replacingOccurrences(of: "tail", with: "tail\n")).map { "\(name): \($0)" }
            expectedErr += lines(ref.stderrText).map { "\(name): \($0)" }
        }
        XCTAssertEqual(Set(lines(r.stdoutText)), Set(expectedOut), "\(r)")
        XCTAssertEqual(lines(r.stdoutText).count, expectedOut.count, "\(r)")
        XCTAssertTrue(r.stdoutText.hasSuffix("\n"), "a missing final newline is added")
        for name in names {
            XCTAssertEqual(lines(r.stdoutText).filter { $0.hasPrefix(name + ": ") }, ["\(name): out \(name)", "\(name): tail"])
        }
        XCTAssertFalse(r.stdoutText.contains("\u{1B}"), "no colour into a pipe")
        let errLines = lines(r.stderrText)
        XCTAssertEqual(Set(errLines.dropLast()), Set(expectedErr), "\(r)")
        XCTAssertEqual(errLines.last, "2 ok, 1 exited 3: lxa-f02, 1 exited 5: lxa-f03")
    }

    /// On a terminal (`script` gives lxattach a pty) the names are aligned and coloured;
    /// NO_COLOR keeps the alignment only.
    func testColourAndAlignmentOnlyOnATerminal() throws {
        let line = "'\(try Built.lxattach())' exec 'lxa-f[01-02],\(Testbed.c1)' -- sh -c 'echo hi'"
        let tty = try runCommand("script", ["-qec", line, "/dev/null"], environment: ["LXD_CONF": Testbed.conf, "TERM": "xterm", "NO_COLOR": nil])
        XCTAssertEqual(tty.status, 0, "\(tty)")
        XCTAssertEqual(Set(lines(tty.stdoutText.replacingOccurrences(of: "\r", with: ""))),
                       ["\u{1B}[36mlxa-f01:\u{1B}[0m hi", "\u{1B}[32mlxa-f02:\u{1B}[0m hi", "\u{1B}[33m\(Testbed.c1):\u{1B}[0m  hi"], "\(tty)")
        let plain = try runCommand("script", ["-qec", line, "/dev/null"], environment: ["LXD_CONF": Testbed.conf, "TERM": "xterm", "NO_COLOR": "1"])
        XCTAssertEqual(Set(lines(plain.stdoutText.replacingOccurrences(of: "\r", with: ""))),
                       ["lxa-f01: hi", "lxa-f02: hi", "\(Testbed.c1):  hi"], "\(plain)")
    }

    func testASinglePlainNameIsThePlainExec() throws {
        let r = try lxattach(["exec", Testbed.c1, "--", "sh", "-c", "echo hi; printf x >&2; exit 7"])
        XCTAssertEqual(r.status, 7)
        XCTAssertEqual(r.stdoutText, "hi\n")
        XCTAssertEqual(r.stderrText, "x")
    }

    func testUnknownStoppedAndUnreachableAreReportedWhileTheOthersRun() throws {
        // A copy of conf/ with a remote that refuses connections.
        let dir = NSTemporaryDirectory() + "lxattach-fanout-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.copyItem(atPath: Testbed.conf, toPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let yml = try String(contentsOfFile: dir + "/config.yml", encoding: .utf8)
        try (yml.replacingOccurrences(of: "aliases: {}", with: "")
            + "  dead:\n    addr: https://127.0.0.1:9\n    protocol: lxd\n    auth_type: tls\n    public: false\naliases: {}\n")
            .write(toFile: dir + "/config.yml", atomically: true, encoding: .utf8)
        let r = try lxattach(["exec", "lxa-f01,\(Testbed.stopped),nosuch,dead:x,dead:y,nowhere:z,lxa-f02", "--", "echo", "ran"],
                             environment: ["LXD_CONF": dir], timeout: 60)
        XCTAssertEqual(r.status, 255, "\(r)")
        XCTAssertEqual(Set(lines(r.stdoutText)), ["lxa-f01: ran", "lxa-f02: ran"], "\(r)")
        let err = lines(r.stderrText)
        XCTAssertTrue(err.contains("\(Testbed.stopped): Error: Instance is not running"), "\(r)")
        XCTAssertTrue(err.contains("nosuch: Error: Instance not found"), "\(r)")
        XCTAssertTrue(err.contains { $0.hasPrefix("dead:y: Error: ") }, "\(r)")
        XCTAssertTrue(err.contains { $0.hasPrefix("nowhere:z: Error: ") && $0.contains("nowhere") }, "\(r)")
        XCTAssertEqual(err.last, "2 ok, 1 not found: nosuch, 1 not running: \(Testbed.stopped), 2 unreachable: dead:x,dead:y"
                       + ", 1 failed: nowhere:z", "\(r)")
    }

    func testGlobsAllLocationAndProject() throws {
        let glob = try lxattach(["exec", "lxa-f1*", "--", "hostname"])
        XCTAssertEqual(glob.status, 0, "\(glob)")
        XCTAssertEqual(Set(lines(glob.stdoutText)), Set((10...19).map { "lxa-f\($0): lxa-f\($0)" }))

        // --all: every running instance, as lxc lists them; the stopped one is left out.
        let listed = try reference { try lxc("list", "--format", "csv", "-c", "ns") }
        let running = Set(lines(listed.stdoutText).compactMap { l -> String? in
            let f = l.split(separator: ","); return f.count == 2 && f[1] == "RUNNING" ? String(f[0]) : nil
        })
        XCTAssertTrue(running.isSuperset(of: Testbed.fanOut), "\(listed)")
        let all = try lxattach(["exec", "--all", "--", "hostname"])
        XCTAssertEqual(all.status, 0, "\(all)")
        XCTAssertEqual(Set(lines(all.stdoutText)), Set(running.map { "\($0): \($0)" }), "\(all)")
        XCTAssertFalse(all.stdoutText.contains(Testbed.stopped))
        XCTAssertEqual(try lxattach(["exec", "--all", "local:", "--", "true"]).status, 0)

        // A standalone daemon puts every instance on member "none".
        let here = try lxattach(["exec", "--all", "--location", "none", "--", "hostname"])
        XCTAssertEqual(Set(lines(here.stdoutText)), Set(lines(all.stdoutText)), "\(here)")
        let nowhere = try lxattach(["exec", "lxa-f0*", "--location", "member9", "--", "true"])
        XCTAssertEqual(nowhere.status, 255)
        XCTAssertEqual(lines(nowhere.stderrText).last, "0 ok, 1 matched nothing: lxa-f0*", "\(nowhere)")

        let project = try lxattach(["exec", "--project", Testbed.project, "--all", "--", "hostname"])
        XCTAssertEqual(project.stdoutText, "\(Testbed.projectInstance): \(Testbed.projectInstance)\n", "\(project)")
    }

    func testRemotesMixOverUnixAndTLS() throws {
        let r = try lxattach(["exec", "tls:lxa-f[01-04],lxa-f05,local:lxa-f06", "--", "hostname"])
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(Set(lines(r.stdoutText)), ["tls:lxa-f01: lxa-f01", "tls:lxa-f02: lxa-f02", "tls:lxa-f03: lxa-f03",
                                                  "tls:lxa-f04: lxa-f04", "lxa-f05: lxa-f05", "local:lxa-f06: lxa-f06"], "\(r)")
    }

    func testGatherFoldsIdenticalResults() throws {
        // f07: other output and status; f08 and f09: the same output as most, another status.
        let r = try lxattach(["exec", "--gather", Testbed.fanOutSet, "--", "sh", "-c",
                              "echo same; case $(hostname) in lxa-f07) echo other; echo oops >&2; exit 2;; lxa-f0[89]) exit 1;; esac"])
        XCTAssertEqual(r.status, 2, "\(r)")
        XCTAssertEqual(r.stdoutText, """
            ---------------
            lxa-f[01-06,10-20]
            ---------------
            same
            ---------------
            lxa-f07 (exit 2)
            ---------------
            same
            other
            ---------------
            lxa-f[08-09] (exit 1)
            ---------------
            same

            """)
        XCTAssertEqual(r.stderrText, "---------------\nlxa-f07 (exit 2)\n---------------\noops\n"
                       + "17 ok, 2 exited 1: lxa-f[08-09], 1 exited 2: lxa-f07\n")
    }

    func testJSONLinesCarryEveryByte() throws {
        let cmd = "printf 'a\\n\\377b\\n'; printf 'e1\\ne2' >&2; printf 'no newline'"
        let r = try lxattach(["exec", "--format", "jsonl", "lxa-f[01-03],\(Testbed.stopped)", "--", "sh", "-c", cmd])
        XCTAssertEqual(r.status, 255, "\(r)")
        XCTAssertEqual(r.stderrText, "3 ok, 1 not running: \(Testbed.stopped)\n")
        let ref = try reference { try lxc("exec", "lxa-f01", "--", "sh", "-c", cmd) }
        var out: [String: [UInt8]] = [:], err: [String: [UInt8]] = [:], final: [String: [String: Any]] = [:]
        for line in lines(r.stdoutText) {
            let o = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let name = o["instance"] as! String
            XCTAssertNil(final[name], "nothing after an instance's final object")
            if let stream = o["stream"] as? String {
                let bytes = (o["data"] as? String).map { Array($0.utf8) }
                    ?? Array(Data(base64Encoded: o["data_b64"] as! String)!)
                if stream == "stdout" { out[name, default: []] += bytes } else { err[name, default: []] += bytes }
            } else {
                final[name] = o
            }
        }
        for name in ["lxa-f01", "lxa-f02", "lxa-f03"] {
            XCTAssertEqual(out[name], ref.stdout, name)
            XCTAssertEqual(err[name], ref.stderr, name)
            XCTAssertEqual(final[name]?["status"] as? Int, 0)
        }
        XCTAssertEqual(final[Testbed.stopped]?["status"] as? Int, 255)
        XCTAssertEqual(final[Testbed.stopped]?["error"] as? String, "Instance is not running")
    }

    /// 20 × 8 MiB at once into files: each byte-exact (sha256 inside vs. outside).
    func testOutdirIsByteExactUnderLoad() throws {
        let dir = NSTemporaryDirectory() + "lxattach-outdir-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cmd = "head -c 8388608 /dev/urandom > /tmp/fanout.bin; cat /tmp/fanout.bin; sha256sum < /tmp/fanout.bin >&2; rm /tmp/fanout.bin; [ $(hostname) != lxa-f09 ] || exit 4"
        let r = try lxattach(["exec", "--outdir", dir, Testbed.fanOutSet + ",nosuch", "--", "sh", "-c", cmd], timeout: 120)
        XCTAssertEqual(r.status, 255, "\(r)")
        XCTAssertEqual(r.stdoutText, "")
        XCTAssertEqual(r.stderrText, "19 ok, 1 exited 4: lxa-f09, 1 not found: nosuch\n")
        for name in Testbed.fanOut {
            let file = "\(dir)/\(name).stdout"
            let size = (try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? -1
            XCTAssertEqual(size, 8 << 20, name)
            let host = try runCommand("sha256sum", [file])
            let inside = try String(contentsOfFile: "\(dir)/\(name).stderr", encoding: .utf8)
            XCTAssertEqual(host.stdoutText.prefix(64), inside.prefix(64), name)
            XCTAssertEqual(try String(contentsOfFile: "\(dir)/\(name).status", encoding: .utf8), name == "lxa-f09" ? "4\n" : "0\n")
        }
        XCTAssertEqual(try String(contentsOfFile: "\(dir)/nosuch.status", encoding: .utf8), "255\nError: Instance not found\n")
    }
}
