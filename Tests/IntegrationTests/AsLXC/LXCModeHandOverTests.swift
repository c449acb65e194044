// What lxattach, started as `lxc`, does not implement goes to the real client by exec(3):
// argv untouched, same process, stdio and status passed through; never to itself. And
// the exec checks that need an instance of their own (stopped under a running command,
// instance environment, the operation an exec leaves).
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class LXCModeHandOverTests: IntegrationTestCase {
    func testOtherCommandsRunTheRealClient() throws {
        let list = try asLXC(["list", "--format", "csv", "-c", "n", DebianBed.running[0]])
        XCTAssertEqual(list.status, 0, "\(list)")
        XCTAssertEqual(list.stdoutText, "\(DebianBed.running[0])\n")
        // The real client's own status and stderr.
        let bad = try asLXC(["bogus-command"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stderrText, "Error: unknown command \"bogus-command\" for \"lxc\"\n")
        XCTAssertEqual(try asLXC(["exec", "--help"]).status, 0)
        XCTAssertTrue(try asLXC(["exec", "--help"]).stdoutText.contains("Execute commands in instances"))
        let incus = try asIncus(["list", "--format", "csv", "-c", "n", DebianBed.incusRunning[0]])
        XCTAssertEqual(incus.stdoutText, "\(DebianBed.incusRunning[0])\n", "\(incus)")
    }

    /// The real client replaces the process (same PID: its parent is the test runner),
    /// gets argv exactly, with stdin.
    func testHandOverIsExecWithArgvUntouched() throws {
        let dir = AsLXCBed.scratch("handover")
        try FileManager.default.createSymbolicLink(atPath: dir + "/lxc", withDestinationPath: try Built.lxattach())
        try FileManager.default.createDirectory(atPath: dir + "/real", withIntermediateDirectories: true)
        let fake = "#!/bin/sh\necho \"ppid=$PPID\"\nfor a in \"$0\" \"$@\"; do echo \"[$a]\"; done\ncat\nexit 42\n"
        _ = FileManager.default.createFile(atPath: dir + "/real/lxc", contents: Data(fake.utf8), attributes: [.posixPermissions: 0o755])
        let r = try runCommand("lxc", ["--project", "p", "image", "list", "a b", ""],
                               environment: ["PATH": "\(dir):\(dir)/real:/usr/bin:/bin"], stdin: .text("in\n"))
        XCTAssertEqual(r.status, 42, "\(r)")
        XCTAssertEqual(r.stdoutText, "ppid=\(getpid())\n[\(dir)/real/lxc]\n[--project]\n[p]\n[image]\n[list]\n[a b]\n[]\nin\n")
    }

    func testNeverItselfAndOneLineWhenThereIsNoRealClient() throws {
        let dir = AsLXCBed.scratch("noreal")
        for sub in ["a", "b"] {
            try FileManager.default.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: "\(dir)/\(sub)/lxc", withDestinationPath: try Built.lxattach())
        }
        // Two links to lxattach on PATH and no real lxc: not a loop, one line, status 1.
        let r = try runCommand("lxc", ["list"], environment: ["PATH": "\(dir)/a:\(dir)/b"], timeout: 20)
        XCTAssertEqual(r.status, 1, "\(r)")
        XCTAssertTrue(r.stderrText.hasPrefix("Error: no real lxc on PATH"), "\(r)")
        XCTAssertEqual(r.stderrText.filter { $0 == "\n" }.count, 1)
        // exec still works without any real client.
        let e = try runCommand("lxc", ["exec", DebianBed.running[0], "--", "echo", "alone"],
                               environment: ["PATH": "\(dir)/a", "LXD_CONF": Testbed.conf])
        XCTAssertEqual(e.stdoutText, "alone\n", "\(e)")
    }

    /// An instance of this test's own: stopped under a running exec (137, as LXD's
    /// exec.sh expects), environment.* from its config and a profile, one operation per exec.
    func testOwnInstanceStopEnvironmentAndOperation() throws {
        let name = "lxa-asx-\(getpid() % 100_000)"
        // A profile of our own carries environment.* too (the default profile is shared).
        let profile = name + "-env"
        XCTAssertEqual(try lxc("profile", "create", profile).status, 0)
        defer { _ = try? lxc("profile", "delete", profile) }
        XCTAssertEqual(try lxc("profile", "set", profile, "environment.FROM_PROFILE", "p").status, 0)
        XCTAssertEqual(try lxc("launch", DebianBed.image, name, "-p", "default", "-p", profile,
                               "-c", "environment.FROM_CONFIG=yes", timeout: 120).status, 0)
        defer { _ = try? lxc("delete", "--force", name, timeout: 60) }

        // operations.sh: `exec -T` leaves exactly one operation, successful (this instance's
        // own: other tests' execs elsewhere do not count).
        XCTAssertEqual(try asLXC(["exec", "-T", name, "--", "true"]).status, 0)
        let ops = try lxc("query", "/1.0/operations?recursion=1")
        let json = try JSONSerialization.jsonObject(with: Data(ops.stdout)) as? [String: [[String: Any]]] ?? [:]
        let execs = json.values.joined().filter { op in
            let instances = (op["resources"] as? [String: [String]])?["instances"] ?? []
            return (op["description"] as? String) == "Executing command" && instances.contains { $0.hasSuffix("/instances/" + name) }
        }
        XCTAssertEqual(execs.map { $0["status"] as? String ?? "?" }, ["Success"], "\(ops)")
        let env = try asLXC(["exec", name, "--", "sh", "-c", "echo $FROM_CONFIG $FROM_PROFILE"])
        XCTAssertEqual(env.stdoutText, "yes p\n", "\(env)")

        let held = try BackgroundProcess(AsLXCBed.links + "/lxc", ["exec", name, "--", "sleep", "60"],
                                         environment: ["LXD_CONF": Testbed.conf, "PATH": AsLXCBed.path])
        usleep(1_000_000)
        XCTAssertEqual(try lxc("stop", "--force", name, timeout: 60).status, 0)
        XCTAssertEqual(held.exitStatus(timeout: 30), 137, "stdout \(held.stdout) stderr \(held.stderr)")
    }
}
