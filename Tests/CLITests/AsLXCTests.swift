import Foundation
import LXD
import XCTest

@testable import lxattach

/// lxattach as `lxc` / `incus`: the pflag reading, the command routing, lxc's usage
/// error texts (each checked against LXD 5.0.2's lxc on the test machine), the real
/// client's lookup on PATH.
final class AsLXCTests: XCTestCase {
    private func exec(_ words: [String]) -> LXCExec? {
        if case .exec(let e) = LXCCommandLine.parse(words) { return e }
        return nil
    }

    func testPersonaFromTheProgramName() {
        XCTAssertEqual(ClientPersona.of(argv0: "lxc"), .lxc)
        XCTAssertEqual(ClientPersona.of(argv0: "/home/u/.local/lxattach/bin/incus"), .incus)
        XCTAssertNil(ClientPersona.of(argv0: "/usr/bin/lxattach"))
        XCTAssertNil(ClientPersona.of(argv0: "lxc-wrapper"))
    }

    func testAnsibleExecLine() {
        let e = exec(["--project", "p1", "exec", "local:web1", "--", "/bin/sh", "-c", "echo ~root"])
        XCTAssertEqual(e?.global.project, "p1")
        XCTAssertEqual(e?.instance, "local:web1")
        XCTAssertEqual(e?.command, ["/bin/sh", "-c", "echo ~root"])
    }

    func testFlagsBeforeAndAfterTheInstanceAndNoDashes() {
        let e = exec(["-q", "exec", "--env=A=1", "c1", "--user", "1000", "-n", "--cwd=/tmp", "--env", "B", "--mode=x",
                      "--project=p", "ls", "/"])
        XCTAssertEqual(e?.global.quiet, true)
        XCTAssertEqual(e?.global.project, "p")
        XCTAssertEqual(e?.env, ["A=1", "B"])
        XCTAssertEqual(e?.user, 1000)
        XCTAssertEqual(e?.cwd, "/tmp")
        XCTAssertEqual(e?.disableStdin, true)
        XCTAssertEqual(e?.forceNoninteractive, false)
        XCTAssertEqual(exec(["exec", "-nT", "c1", "true"])?.forceNoninteractive, true)
        XCTAssertEqual(e?.mode, "x")
        XCTAssertEqual(e?.command, ["ls", "/"])
        // After `--`, everything is the command, flags too.
        XCTAssertEqual(exec(["exec", "c1", "--", "ls", "--project", "-T"])?.command, ["ls", "--project", "-T"])
        XCTAssertEqual(exec(["exec", "c1", "true", "--", "-x"])?.command, ["true", "-x"])
    }

    func testUsageErrorsInLxcsWords() {
        func usage(_ words: [String]) -> String? {
            if case .usage(let m, _) = LXCCommandLine.parse(words) { return m }
            return nil
        }
        XCTAssertEqual(usage(["exec", "-t", "-T", "c1", "--", "true"]), "You can't pass -t and -T at the same time")
        XCTAssertEqual(usage(["exec", "-t", "--mode", "auto", "c1", "true"]), nil)
        XCTAssertEqual(usage(["exec", "-t", "--mode", "interactive", "c1", "true"]), "You can't pass -t or -T at the same time as --mode")
        XCTAssertEqual(usage(["exec", "c1"]), "Invalid number of arguments")
        XCTAssertEqual(usage(["exec", "c1", "--"]), "Invalid number of arguments")
        XCTAssertEqual(usage(["exec", "--bogus", "c1", "--", "true"]), "unknown flag: --bogus")
        XCTAssertEqual(usage(["exec", "-x", "c1", "--", "true"]), "unknown shorthand flag: 'x' in -x")
        XCTAssertEqual(usage(["exec", "c1", "--cwd"]), "flag needs an argument: --cwd")
        XCTAssertEqual(usage(["exec", "--user", "x", "c1", "--", "true"]),
                       "invalid argument \"x\" for \"--user\" flag: strconv.ParseUint: parsing \"x\": invalid syntax")
        XCTAssertEqual(usage(["exec", "--group=4294967296", "c1", "--", "true"]),
                       "invalid argument \"4294967296\" for \"--group\" flag: strconv.ParseUint: parsing \"4294967296\": value out of range")
        XCTAssertEqual(usage(["exec", "--debug=maybe", "c1", "--", "true"]),
                       "invalid argument \"maybe\" for \"--debug\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax")
        if case .usage(_, let help) = LXCCommandLine.parse(["exec", "c1"]) { XCTAssertTrue(help) } else { XCTFail() }
        XCTAssertEqual(LXCCommandLine.parse(["exec"]), .help)
    }

    func testWhatGoesToTheRealClient() {
        for words in [[], ["list"], ["--project", "p", "start", "c1"], ["exec", "--help"], ["exec", "c1", "-h"],
                      ["--version"], ["file", "delete", "c1/x"], ["file", "edit", "c1/x"], ["image", "list"], ["file"],
                      ["file", "push", "--help"], ["file", "push"]] {
            XCTAssertEqual(LXCCommandLine.parse(words), .handOver, "\(words)")
        }
    }

    func testGoUintSpellings() {
        XCTAssertEqual(try LXCCommandLine.parseUInt32("0x10").get(), 16)
        XCTAssertEqual(try LXCCommandLine.parseUInt32("010").get(), 8)
        XCTAssertEqual(try LXCCommandLine.parseUInt32("4294967295").get(), UInt32.max)
        XCTAssertThrowsError(try LXCCommandLine.parseUInt32("-1").get())
        XCTAssertThrowsError(try LXCCommandLine.parseUInt32("").get())
    }

    func testFileArguments() {
        guard case .file(let push) = LXCCommandLine.parse(["file", "push", "--uid", "1000", "--gid=2000", "--mode", "0640", "-p",
                                                           "a", "b", "local:c1//tmp/"]) else { return XCTFail() }
        XCTAssertTrue(push.push)
        XCTAssertEqual(push.sources, ["a", "b"])
        XCTAssertEqual(push.target, "local:c1//tmp/")
        XCTAssertEqual(push.uid, 1000)
        XCTAssertEqual(push.gid, 2000)
        XCTAssertEqual(push.mode, "0640")
        XCTAssertTrue(push.createDirs)
        guard case .file(let pull) = LXCCommandLine.parse(["--project", "p", "file", "pull", "-r", "c1/etc", "-"]) else { return XCTFail() }
        XCTAssertFalse(pull.push)
        XCTAssertTrue(pull.recursive)
        XCTAssertEqual(pull.global.project, "p")
        XCTAssertEqual(LXCCommandLine.parse(["file", "push", "--uid", "x", "a", "c1/x"]),
                       .usage(message: "invalid argument \"x\" for \"--uid\" flag: strconv.ParseInt: parsing \"x\": invalid syntax", help: false))
        // lxc's -1 means unset.
        if case .file(let unset) = LXCCommandLine.parse(["file", "push", "--uid=-1", "a", "c1/x"]) { XCTAssertNil(unset.uid) } else { XCTFail() }
        XCTAssertEqual(LXCCommandLine.parse(["file", "pull", "c1/x"]), .usage(message: "Invalid number of arguments", help: false))
        XCTAssertEqual(LXCCommandLine.parse(["file", "pull", "--uid", "1", "c1/x", "y"]), .usage(message: "unknown flag: --uid", help: false))
        XCTAssertEqual(try LXCFileArguments.parseMode("640").get(), 0o640)
        XCTAssertEqual(LXCFileArguments.parseMode("999"), .failure(PFlags.Problem(message: "strconv.ParseInt: parsing \"0999\": invalid syntax")))
    }

    func testInstancePaths() {
        let hosts = InstancePath("local:c1//etc/hosts")
        XCTAssertEqual(hosts?.instance, "local:c1")
        XCTAssertEqual(hosts?.path, "/etc/hosts")
        XCTAssertEqual(hosts?.isFolder, false)
        XCTAssertEqual(hosts?.hasParentComponent, false)
        XCTAssertEqual(InstancePath("c1/tmp/")?.isFolder, true)
        XCTAssertEqual(InstancePath("c1/")?.path, "/")
        XCTAssertEqual(InstancePath("c1/")?.isFolder, true)
        XCTAssertEqual(InstancePath("c1/a/../../b/./c")?.path, "/b/c")
        XCTAssertEqual(InstancePath("c1/a/../../b/./c")?.hasParentComponent, true)
        XCTAssertNil(InstancePath("c1"))
        XCTAssertEqual(InstancePath.parent("/a/b"), "/a")
        XCTAssertEqual(InstancePath.parent("/a"), "/")
        XCTAssertEqual(InstancePath.base("/dev/stdin"), "stdin")
        XCTAssertEqual(InstancePath.base("dir/"), "dir")
    }

    func testSymlinksThatStayInsideAndThoseThatDoNot() {
        // LXD answers with absolute targets: inside the pulled folder → a relative link.
        XCTAssertEqual(LocalFile.relativeLink(at: "/srv/d/ln", to: "/srv/d/a", within: "/srv/d"), "a")
        XCTAssertEqual(LocalFile.relativeLink(at: "/srv/d/x/y/ln", to: "/srv/d/a/b", within: "/srv/d"), "../../a/b")
        XCTAssertEqual(LocalFile.relativeLink(at: "/srv/d/ln", to: "/srv/d", within: "/srv/d"), ".")
        XCTAssertNil(LocalFile.relativeLink(at: "/srv/d/ln", to: "/etc/passwd", within: "/srv/d"))
        XCTAssertNil(LocalFile.relativeLink(at: "/srv/d/ln", to: "/srv/dd/a", within: "/srv/d"))
        XCTAssertNil(LocalFile.relativeLink(at: "/srv/d/ln", to: "/srv/d/../x", within: "/srv/d"))
        XCTAssertTrue(LocalFile.staysInside(link: "out/d/x/ln", destination: "../a", root: "out/d"))
        XCTAssertFalse(LocalFile.staysInside(link: "out/d/ln", destination: "../a", root: "out/d"))
        XCTAssertFalse(LocalFile.staysInside(link: "out/d/ln", destination: "/etc", root: "out/d"))
    }

    func testRealClientIsTheNextOnPathAfterOurOwnFolder() throws {
        let base = NSTemporaryDirectory() + "aslxc-path-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: base) }
        for dir in ["ours", "first", "second"] {
            try FileManager.default.createDirectory(atPath: "\(base)/\(dir)", withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: "\(base)/\(dir)/lxc", contents: Data("#!/bin/sh\n".utf8),
                                           attributes: [.posixPermissions: 0o755])
        }
        let isOurs: (String) -> Bool = { RealClient.sameFile($0, "\(base)/ours/lxc") }
        // Ours first: the next one.
        XCTAssertEqual(RealClient.find(name: "lxc", path: "\(base)/ours:\(base)/first:\(base)/second", argv0: "lxc", isSelf: isOurs),
                       "\(base)/first/lxc")
        // A real one before our folder does not count; ours is never chosen.
        XCTAssertEqual(RealClient.find(name: "lxc", path: "\(base)/first:\(base)/ours:\(base)/second", argv0: "lxc", isSelf: isOurs),
                       "\(base)/second/lxc")
        XCTAssertNil(RealClient.find(name: "lxc", path: "\(base)/first:\(base)/ours", argv0: "lxc", isSelf: isOurs))
        // A second link to us further on is skipped (same inode).
        try FileManager.default.createSymbolicLink(atPath: "\(base)/second/incus", withDestinationPath: "\(base)/ours/lxc")
        _ = FileManager.default.createFile(atPath: "\(base)/ours/incus", contents: nil, attributes: [.posixPermissions: 0o755])
        XCTAssertNil(RealClient.find(name: "incus", path: "\(base)/second", argv0: "incus", isSelf: isOurs))
        // Not on PATH at all but started by path: all of PATH, minus us.
        XCTAssertEqual(RealClient.find(name: "lxc", path: "\(base)/first", argv0: "\(base)/ours/lxc", isSelf: isOurs), "\(base)/first/lxc")
    }

    func testLxcsWordsForAnUnreachableDaemon() {
        XCTAssertEqual(LXCErrors.unreachable(.unixConnectFailed(path: "/x/unix.socket", errno: ENOENT), persona: .lxc),
                       "Get \"http://unix.socket/1.0\": dial unix /x/unix.socket: connect: no such file or directory")
        XCTAssertEqual(LXCErrors.unreachable(.unixConnectFailed(path: "/x", errno: ECONNREFUSED), persona: .incus),
                       "The incus daemon doesn't appear to be started (socket path: /x)")
        XCTAssertEqual(LXCErrors.unreachable(.tcpConnectFailed(host: "127.0.0.1", port: 9, errno: ECONNREFUSED), persona: .lxc),
                       "Get \"https://127.0.0.1:9/1.0\": dial tcp 127.0.0.1:9: connect: connection refused")
        // Incus's client says a missing path of file push/pull as Go's fs error.
        let missing = Failure(LXDError.api(code: 404, message: "Not Found"))
        XCTAssertEqual(LXCErrors.message(for: missing, persona: .incus, files: true), "file does not exist")
        XCTAssertEqual(LXCErrors.message(for: missing, persona: .lxc, files: true), "Not Found")
        XCTAssertEqual(LXCErrors.message(for: missing, persona: .incus), "Not Found")
        XCTAssertEqual(Progress.rate(18_690_000), "18.69MB")
        XCTAssertEqual(Progress.rate(999), "999B")
    }
}
