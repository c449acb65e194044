// `lxc file push` / `lxc file pull` through the lxattach link (the real client cannot do
// them: AsLXCBed's stub), and `lxattach file …`: byte-exact round trips, ownership and
// permissions, -p, -r, `-`, `//abs`, projects, the refusals, lxc's errors, streaming.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class FileTransferTests: IntegrationTestCase {
    let c = DebianBed.running[2]
    /// This run's folder in the instance.
    let remote = "/tmp/asx-\(getpid())"

    override func setUpWithError() throws {
        XCTAssertEqual(try lxc("exec", c, "--", "mkdir", "-p", remote).status, 0)
    }

    override func tearDownWithError() throws {
        _ = try lxc("exec", c, "--", "rm", "-rf", remote)
    }

    private func random(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255) } }

    private func write(_ path: String, _ bytes: [UInt8], mode: Int = 0o644) {
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes), attributes: [.posixPermissions: mode]))
    }

    private func stat(_ path: String) throws -> String {
        try lxc("exec", c, "--", "stat", "-c", "%a %u %g %s", path).stdoutText
    }

    func testRoundTripKeepsBytesAndTheLocalFilesOwnerAndMode() throws {
        let dir = AsLXCBed.scratch("rt")
        let bytes = random(1_000_003)
        write(dir + "/f", bytes, mode: 0o640)
        XCTAssertEqual(chown(dir + "/f", 12, 34), 0)
        let push = try asLXC(["file", "push", "-q", dir + "/f", "\(c)\(remote)/f"])
        XCTAssertEqual(push.status, 0, "\(push)")
        XCTAssertEqual(push.stdoutText, "", "--quiet: no progress line")
        XCTAssertEqual(try stat(remote + "/f"), "640 12 34 1000003\n")
        let pull = try asLXC(["file", "pull", "local:\(c)/\(remote)/f", dir + "/back"])
        XCTAssertEqual(pull.status, 0, "\(pull)")
        XCTAssertTrue(FileManager.default.contents(atPath: dir + "/back") == Data(bytes))
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: dir + "/back")[.posixPermissions] as? Int), 0o640)
        // Without --quiet, lxc's progress line on stdout ("\rPushing A to B: 100% (…)\r…\r").
        let loud = try asLXC(["file", "push", dir + "/f", "\(c)\(remote)/g"])
        XCTAssertTrue(loud.stdoutText.hasPrefix("\rPushing \(dir)/f to \(remote)/g: 100% ("), "\(loud)")
    }

    func testUidGidModeStdinStdoutAndTheDoubleSlash() throws {
        let push = try asLXC(["file", "push", "--uid", "1000", "--gid", "2000", "--mode", "0600", "-", "local:\(c)/\(remote)/in"],
                             stdin: .text("from stdin\n"))
        XCTAssertEqual(push.status, 0, "\(push)")
        XCTAssertEqual(try stat(remote + "/in"), "600 1000 2000 11\n")
        let pull = try asLXC(["file", "pull", "\(c)/\(remote)/in", "-"])
        XCTAssertEqual(pull.stdoutText, "from stdin\n", "\(pull)")
        // `-` into a folder is named stdin, as lxc names it.
        XCTAssertEqual(try asLXC(["file", "push", "-q", "-", "\(c)\(remote)/"], stdin: .text("x")).status, 0)
        XCTAssertEqual(try stat(remote + "/stdin").split(separator: " ").last, "1\n")
    }

    func testCreateDirsBothWays() throws {
        let dir = AsLXCBed.scratch("p")
        write(dir + "/f", Array("p".utf8))
        let push = try asLXC(["file", "push", "-q", "-p", "--uid", "1000", dir + "/f", "\(c)\(remote)/a/b/c/f"])
        XCTAssertEqual(push.status, 0, "\(push)")
        XCTAssertEqual(try stat(remote + "/a/b").split(separator: " ")[1], "1000")
        XCTAssertEqual(try stat(remote + "/a/b/c/f").split(separator: " ").last, "1\n")
        let noParents = try asLXC(["file", "push", "-q", dir + "/f", "\(c)\(remote)/x/y/f"])
        XCTAssertEqual(noParents.status, 1)
        XCTAssertEqual(noParents.stderrText, "Error: Not Found\n")
        let pull = try asLXC(["file", "pull", "-p", "\(c)\(remote)/a/b/c/f", dir + "/new/deep/f"])
        XCTAssertEqual(pull.status, 0, "\(pull)")
        XCTAssertEqual(FileManager.default.contents(atPath: dir + "/new/deep/f"), Data("p".utf8))
    }

    func testRecursiveBothWaysWithSymlinks() throws {
        let dir = AsLXCBed.scratch("r")
        let tree = dir + "/tree"
        try FileManager.default.createDirectory(atPath: tree + "/sub/deeper", withIntermediateDirectories: true)
        write(tree + "/a", random(70_000))
        write(tree + "/sub/b", random(10), mode: 0o600)
        write(tree + "/sub/deeper/c", [])
        try FileManager.default.createSymbolicLink(atPath: tree + "/link", withDestinationPath: "sub/b")
        let push = try asLXC(["file", "push", "-q", "-r", tree, "\(c)\(remote)/"])
        XCTAssertEqual(push.status, 0, "\(push)")
        let listing = try lxc("exec", c, "--", "sh", "-c", "cd \(remote)/tree && find . | sort && readlink link && stat -c %a sub/b")
        XCTAssertEqual(listing.stdoutText, ".\n./a\n./link\n./sub\n./sub/b\n./sub/deeper\n./sub/deeper/c\nsub/b\n600\n")
        // Back: the same tree under a new folder; the link is relative and inside.
        let pull = try asLXC(["file", "pull", "-r", "\(c)\(remote)/tree", dir + "/back"])
        XCTAssertEqual(pull.status, 0, "\(pull)")
        for file in ["a", "sub/b", "sub/deeper/c"] {
            XCTAssertEqual(FileManager.default.contents(atPath: "\(dir)/back/tree/\(file)"),
                           FileManager.default.contents(atPath: "\(tree)/\(file)"), file)
        }
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/back/tree/link"), "sub/b")
    }

    func testRefusals() throws {
        let dir = AsLXCBed.scratch("refuse")
        XCTAssertEqual(try lxc("exec", c, "--", "sh", "-c", "mkdir -p \(remote)/evil && echo x > \(remote)/evil/ok && ln -s /etc/passwd \(remote)/evil/passwd").status, 0)
        let pull = try asLXC(["file", "pull", "-r", "\(c)\(remote)/evil", dir])
        XCTAssertEqual(pull.status, 1)
        XCTAssertEqual(pull.stderrText,
                       "Error: refusing to create the symlink \(dir)/evil/passwd -> /etc/passwd: it points outside \(dir)/evil\n")
        XCTAssertNil(try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/evil/passwd"))
        // A single symlink pulled on its own would point at this machine's own file.
        XCTAssertEqual(try asLXC(["file", "pull", "\(c)\(remote)/evil/passwd", dir + "/single"]).status, 1)
        XCTAssertNil(try? FileManager.default.destinationOfSymbolicLink(atPath: dir + "/single"))
        let push = try asLXC(["file", "push", "-r", dir, "\(c)\(remote)/evil/../../etc/"])
        XCTAssertEqual(push.status, 1)
        XCTAssertEqual(push.stderrText, "Error: refusing a recursive push to a path with '..' components: \(c)\(remote)/evil/../../etc/\n")
    }

    func testErrorsAsTheRealLxcWordsThem() throws {
        let dir = AsLXCBed.scratch("errors")
        write(dir + "/f", Array("e".utf8))
        for args in [["file", "pull", "\(c)\(remote)/nonexistent", dir + "/x"], ["file", "pull", "\(c)\(remote)", dir + "/x"],
                     ["file", "push", "/nonexistent", "\(c)\(remote)/x"], ["file", "push", dir + "/f", dir + "/f", "\(c)\(remote)/x"],
                     ["file", "push", dir + "/f", c], ["file", "push", dir + "/f", "nosuchremote:\(c)/x"],
                     ["file", "push", "--uid", "x", dir + "/f", "\(c)/x"], ["file", "push", "-q", dir + "/f", "lxa-nonexistent/tmp/x"],
                     ["file", "push", "-q", "--mode", "999", dir + "/f", "\(c)\(remote)/m"], ["file", "pull", "\(c)/x"]] {
            let ours = try asLXC(args)
            let real = try runCommand("/usr/bin/lxc", args, environment: ["LXD_CONF": Testbed.conf])
            XCTAssertEqual(ours.status, real.status, "\(args): \(ours)")
            XCTAssertEqual(ours.stderrText, real.stderrText, "\(args)")
        }
    }

    /// The daemon answers a push to an unknown instance or a missing folder before it
    /// reads the body: its words, not a broken pipe, even for 50 MB.
    func testALargePushRefusedEarlySaysWhy() throws {
        let dir = AsLXCBed.scratch("early")
        write(dir + "/big", [UInt8](repeating: 7, count: 50_000_000))
        let instance = try asLXC(["file", "push", "-q", dir + "/big", "lxa-nonexistent/tmp/x"])
        XCTAssertEqual(instance.status, 1)
        XCTAssertEqual(instance.stderrText, "Error: Instance not found\n")
        let folder = try asLXC(["file", "push", "-q", dir + "/big", "\(c)/nonexistent/x"])
        XCTAssertEqual(folder.status, 1)
        XCTAssertEqual(folder.stderrText, "Error: Not Found\n")
    }

    /// Where things land (folder or not, trailing slash or not, -p, -r): the same as with
    /// the real lxc, case by case, status and stderr too.
    func testPathsLandWhereTheRealLxcPutsThem() throws {
        let dir = AsLXCBed.scratch("shapes")
        try FileManager.default.createDirectory(atPath: dir + "/tree/sub", withIntermediateDirectories: true)
        write(dir + "/tree/a", Array("a".utf8))
        write(dir + "/tree/sub/b", Array("b".utf8))
        let cases: [[String]] = [
            ["file", "push", "-q", "tree/a", "\(c)\(remote)/par"],            // an existing folder, no slash: refused
            ["file", "push", "-q", "-r", "tree", "\(c)\(remote)/par/new/"],   // a missing folder without -p
            ["file", "push", "-q", "-r", "-p", "tree", "\(c)\(remote)/par/new2/"],
            ["file", "push", "-q", "-r", "tree", "\(c)\(remote)/par"],
            ["file", "push", "-q", "-p", "tree/a", "\(c)\(remote)/par/p1/p2/"],
            ["file", "pull", "\(c)/etc/hostname", "out"],
            ["file", "pull", "-r", "\(c)\(remote)/par/tree", "out"],
            ["file", "pull", "-r", "\(c)\(remote)/par/tree/", "out2/"],
        ]
        func state() throws -> String {
            let inside = try lxc("exec", c, "--", "sh", "-c", "cd \(remote) && find par | sort").stdoutText
            let local = try runCommand("/bin/sh", ["-c", "find out out2 2>/dev/null | sort"], directory: dir).stdoutText
            return inside + "|" + local
        }
        var outcomes: [String: [String]] = [:]
        for client in ["/usr/bin/lxc", AsLXCBed.links + "/lxc"] {
            XCTAssertEqual(try lxc("exec", c, "--", "sh", "-c", "rm -rf \(remote)/par && mkdir \(remote)/par").status, 0)
            _ = try runCommand("/bin/rm", ["-rf", dir + "/out", dir + "/out2"])
            try FileManager.default.createDirectory(atPath: dir + "/out", withIntermediateDirectories: true)
            for args in cases {
                let r = try runCommand(client, args, environment: ["LXD_CONF": Testbed.conf, "PATH": AsLXCBed.path], directory: dir)
                outcomes[client, default: []].append("\(args.joined(separator: " ")): \(r.shellStatus) \(r.stderrText) \(try state())")
            }
        }
        XCTAssertEqual(outcomes["/usr/bin/lxc"], outcomes[AsLXCBed.links + "/lxc"])
    }

    func testProjects() throws {
        let p = ["--project", Testbed.project]
        let push = try asLXC(p + ["file", "push", "-q", "-", "\(Testbed.projectInstance)/tmp/asx-\(getpid())"], stdin: .text("proj"))
        XCTAssertEqual(push.status, 0, "\(push)")
        XCTAssertEqual(try asLXC(["file", "pull", "--project=\(Testbed.project)", "\(Testbed.projectInstance)/tmp/asx-\(getpid())", "-"]).stdoutText, "proj")
        XCTAssertEqual(try asLXC(["file", "pull", "\(Testbed.projectInstance)/tmp/asx-\(getpid())", "-"]).stderrText, "Error: Instance not found\n")
    }

    func testLxattachModeKeepsItsConventions() throws {
        let ok = try lxattach(["file", "push", "-", "local:\(c)/\(remote)/lxa"], stdin: .text("lxattach mode"))
        XCTAssertEqual(ok.status, 0, "\(ok)")
        XCTAssertEqual(try lxattach(["file", "pull", "\(c)\(remote)/lxa", "-"]).stdoutText, "lxattach mode")
        let missing = try lxattach(["file", "pull", "\(c)\(remote)/nonexistent", "-"])
        XCTAssertEqual(missing.status, 255)
        XCTAssertEqual(missing.stderrText, "Error: Not Found\n")
        let usage = try lxattach(["file", "push", "--bogus", "a", "\(c)/b"])
        XCTAssertEqual(usage.status, 255)
        XCTAssertEqual(usage.stderrText, "Error: unknown flag: --bogus (see 'lxattach file --help')\n")
        XCTAssertTrue(try lxattach(["file", "--help"]).stdoutText.contains("file push"))
    }

    /// 256 MiB each way through one buffer: peak RSS within 8 MiB of an `exec -- true`'s
    /// (the whole file in memory would be 256 MiB more), bytes exact.
    func testLargeFilesStream() throws {
        let dir = AsLXCBed.scratch("large")
        let big = dir + "/big"
        XCTAssertEqual(try runCommand("/bin/sh", ["-c", "head -c 268435456 /dev/urandom > \(big)"]).status, 0)
        func peakKiB(_ args: [String]) throws -> Int {
            let r = try runCommand("/usr/bin/time", ["-f", "%M", AsLXCBed.links + "/lxc"] + args,
                                   environment: ["LXD_CONF": Testbed.conf, "PATH": AsLXCBed.path], timeout: 300)
            XCTAssertEqual(r.status, 0, "\(args): \(r)")
            return Int(r.stderrText.split(separator: "\n").last ?? "") ?? -1
        }
        let baseline = try peakKiB(["exec", c, "--", "true"])
        let push = try peakKiB(["file", "push", "-q", big, "\(c)\(remote)/big"])
        let pull = try peakKiB(["file", "pull", "\(c)\(remote)/big", dir + "/back"])
        XCTAssertLessThan(push - baseline, 8 * 1024, "push peak \(push) KiB, exec \(baseline) KiB")
        XCTAssertLessThan(pull - baseline, 8 * 1024, "pull peak \(pull) KiB, exec \(baseline) KiB")
        let local = try runCommand("/bin/sh", ["-c", "md5sum < \(big); md5sum < \(dir)/back"]).stdoutText.split(separator: "\n")
        let inside = try lxc("exec", c, "--", "sh", "-c", "md5sum < \(remote)/big").stdoutText
        XCTAssertEqual(local.count, 2)
        XCTAssertEqual(local.first, local.last)
        XCTAssertEqual(local.first.map(String.init), inside.trimmingCharacters(in: .newlines))
    }

    /// Incus answers with X-Incus-* headers (and reads LXD's): the same round trip.
    func testIncus() throws {
        let i = DebianBed.incusRunning[0]
        let path = "/tmp/asx-incus-\(getpid())"
        let push = try asIncus(["file", "push", "--quiet", "--uid", "1000", "--mode", "0604", "-", "local:\(i)/\(path)"], stdin: .text("incus\n"))
        XCTAssertEqual(push.status, 0, "\(push)")
        XCTAssertEqual(try runCommand("/usr/bin/incus", ["exec", i, "--", "stat", "-c", "%a %u", path], environment: ["INCUS_CONF": nil]).stdoutText,
                       "604 1000\n")
        let dir = AsLXCBed.scratch("incus")
        XCTAssertEqual(try asIncus(["file", "pull", "--quiet", "\(i)\(path)", dir + "/f"]).status, 0)
        XCTAssertEqual(FileManager.default.contents(atPath: dir + "/f"), Data("incus\n".utf8))
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: dir + "/f")[.posixPermissions] as? Int), 0o604)
        _ = try runCommand("/usr/bin/incus", ["exec", i, "--", "rm", "-f", path], environment: ["INCUS_CONF": nil])
    }
}
