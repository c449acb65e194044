// LXD's own exec checks (test/suites/exec.sh, basic.sh, projects.sh of canonical/lxd),
// run with `lxc` from PATH where `lxc` is the lxattach link and the real client is
// unreachable for exec (AsLXCBed's stub fails loudly). Debian 12 containers of
// Scripts/testbed-debian; instances this file stops are its own.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class LXCModeExecTests: IntegrationTestCase {
    let c = DebianBed.running[0]

    func testPipedStdinRoundTripsByteExact() throws {
        let payload = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 8) }
        let r = try asLXC(["exec", c, "--", "cat"], stdin: .bytes(payload))
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertTrue(r.stdout == payload, "\(r.stdout.count) bytes back")
        let t = try asLXC(["exec", c, "--force-noninteractive", "--", "cat"], stdin: .text("abc\n"))
        XCTAssertEqual(t.stdoutText, "abc\n", "\(t)")
        // -n: stdin is /dev/null, the command sees end of file at once.
        let n = try asLXC(["exec", "-n", c, "--", "wc", "-c"], stdin: .text("ignored"))
        XCTAssertEqual(n.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines), "0", "\(n)")
    }

    func testExitCodesAndLxcsMessages() throws {
        XCTAssertEqual(try asLXC(["exec", c, "--", "true"]).status, 0)
        XCTAssertEqual(try asLXC(["exec", c, "--", "false"]).status, 1)
        let notExecutable = try asLXC(["exec", c, "--", "/etc"])
        XCTAssertEqual(notExecutable.status, 126)
        XCTAssertEqual(notExecutable.stderrText, "Error: Command not executable\n")
        let notFound = try asLXC(["exec", c, "--", "/nonexistent"])
        XCTAssertEqual(notFound.status, 127)
        XCTAssertEqual(notFound.stderrText, "Error: Command not found\n")
        // LXD sets the operation's err for any 127/126, a shell's own too: lxc prints it.
        let shell = try asLXC(["exec", c, "--", "sh", "-c", "nonexistent-command 2>/dev/null"])
        XCTAssertEqual(shell.status, 127)
        XCTAssertEqual(shell.stderrText, "Error: Command not found\n")
    }

    func testSignalsEndTheCommandWith128PlusN() throws {
        for (signal, status) in [("TERM", 143), ("HUP", 129), ("KILL", 137)] {
            let r = try asLXC(["exec", c, "--", "sh", "-c", "kill -\(signal) $$"])
            XCTAssertEqual(r.status, Int32(status), "\(signal): \(r)")
        }
    }

    /// A signal to the client is forwarded to the command, whose status says so.
    func testSignalsToTheClientReachTheCommand() throws {
        for (signal, status) in [(SIGTERM, Int32(143)), (SIGHUP, Int32(129))] {
            let held = try BackgroundProcess(AsLXCBed.links + "/lxc", ["exec", c, "--", "sleep", "30"],
                                             environment: ["LXD_CONF": Testbed.conf, "PATH": AsLXCBed.path])
            // Wait until the command runs in the instance before signalling the client.
            waitUntil("sleep 30 running in \(c)", timeout: 20) {
                (try? lxc("exec", c, "--", "pgrep", "-f", "^sleep 30$"))?.status == 0
            }
            held.signal(signal)
            XCTAssertEqual(held.exitStatus(timeout: 20), status, "signal \(signal): \(held.stderr)")
        }
    }

    func testUserGroupCwd() throws {
        let r = try asLXC(["exec", c, "--user", "1000", "--group", "2000", "--cwd", "/home/user", "--", "sh", "-c", "id -u; id -g; pwd"])
        XCTAssertEqual(r.stdoutText, "1000\n2000\n/home/user\n", "\(r)")
        // Flags after the instance and `--cwd=`: the same.
        let s = try asLXC(["exec", c, "--cwd=/tmp", "--user=1000", "--", "sh", "-c", "id -u; pwd"])
        XCTAssertEqual(s.stdoutText, "1000\n/tmp\n", "\(s)")
    }

    func testEnvAsLxcSendsIt() throws {
        // `--env K` without "=": K="" (LXD 5.0.2's lxc), not the local value (lxattach's).
        let r = try asLXC(["exec", c, "--env", "A=1", "--env", "LOCALVAR", "--env=B=x=y", "--", "sh", "-c",
                           "echo \"A=$A B=$B L=${LOCALVAR-unset}\""], environment: ["LOCALVAR": "local"])
        XCTAssertEqual(r.stdoutText, "A=1 B=x=y L=\n", "\(r)")
        let direct = try lxattach(["exec", c, "--env", "LOCALVAR", "--", "sh", "-c", "echo $LOCALVAR"], environment: ["LOCALVAR": "local"])
        XCTAssertEqual(direct.stdoutText, "local\n", "lxattach keeps its own meaning: \(direct)")
    }

    func testOptionalDashesAndTheGlobalFlags() throws {
        XCTAssertEqual(try asLXC(["exec", c, "echo", "hi"]).stdoutText, "hi\n")
        XCTAssertEqual(try asLXC(["--quiet", "exec", c, "--", "echo", "--project", "x"]).stdoutText, "--project x\n")
        XCTAssertEqual(try asLXC(["-v", "--debug", "exec", "local:\(c)", "--", "true"]).status, 0)
        XCTAssertEqual(try asLXC(["--force-local", "exec", c, "--mode=non-interactive", "--", "echo", "ok"]).stdoutText, "ok\n")
        // `lxc` is LXD's client whatever LXATTACH_FLAVOR says.
        XCTAssertEqual(try asLXC(["exec", c, "--", "echo", "lxd"], environment: ["LXATTACH_FLAVOR": "incus"]).stdoutText, "lxd\n")
        // lxc takes any other --mode word for auto.
        XCTAssertEqual(try asLXC(["exec", "--mode=whatever", c, "--", "echo", "ok"]).stdoutText, "ok\n")
    }

    func testAPipeThroughExecMd5sum() throws {
        let dir = AsLXCBed.scratch("md5")
        let script = "ps aux | tee \(dir)/out | lxc exec \(c) -- md5sum | cut -d' ' -f1; md5sum < \(dir)/out | cut -d' ' -f1"
        let r = try runCommand("/bin/sh", ["-c", script], environment: ["LXD_CONF": Testbed.conf, "PATH": AsLXCBed.path])
        let lines = r.stdoutText.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, "\(r)")
        XCTAssertEqual(lines.first, lines.last, "\(r)")
    }

    func testProjectSwitch() throws {
        let inProject = Testbed.projectInstance
        XCTAssertEqual(try asLXC(["--project", Testbed.project, "exec", inProject, "--", "echo", "p"]).stdoutText, "p\n")
        XCTAssertEqual(try asLXC(["exec", "--project=\(Testbed.project)", inProject, "--", "echo", "p"]).stdoutText, "p\n")
        let outside = try asLXC(["exec", inProject, "--", "true"])
        XCTAssertEqual(outside.status, 1)
        XCTAssertEqual(outside.stderrText, "Error: Instance not found\n")
    }

    func testFiftyConcurrentExecs() throws {
        let script = "for i in $(seq 1 50); do (lxc exec \(c) -- echo $i > \(AsLXCBed.directory)/conc.$i) & done; wait; cat \(AsLXCBed.directory)/conc.* | sort -n | tr '\\n' ' '"
        let r = try runCommand("/bin/bash", ["-c", script], environment: ["LXD_CONF": Testbed.conf, "PATH": AsLXCBed.path], timeout: 120)
        XCTAssertEqual(r.stdoutText, (1...50).map(String.init).joined(separator: " ") + " ", "\(r)")
    }

    func testUsageAndDaemonErrorsAreLxcsWithStatus1() throws {
        func check(_ args: [String], _ stderr: String, env: [String: String?] = [:], line: UInt = #line) throws {
            let r = try asLXC(args, environment: env)
            XCTAssertEqual(r.status, 1, "\(r)", line: line)
            XCTAssertEqual(r.stderrText, stderr, line: line)
        }
        try check(["exec", "-t", "-T", c, "--", "true"], "Error: You can't pass -t and -T at the same time\n")
        try check(["exec", "lxa-nonexistent", "--", "true"], "Error: Instance not found\n")
        try check(["exec", DebianBed.stopped, "--", "true"], "Error: Instance is not running\n")
        try check(["exec", "nosuchremote:\(c)", "--", "true"], "Error: The remote \"nosuchremote\" doesn't exist\n")
        try check(["exec", "--bogus", c, "--", "true"], "Error: unknown flag: --bogus\n")
        try check(["exec", c, "--", "true"],
                  "Error: Get \"http://unix.socket/1.0\": dial unix /nonexistent/unix.socket: connect: no such file or directory\n",
                  env: ["LXD_DIR": "/nonexistent"])
        // No command: lxc's help on stdout, its error on stderr.
        let r = try asLXC(["exec", c])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderrText, "Error: Invalid number of arguments\n")
        let real = try runCommand("/usr/bin/lxc", ["exec", c], environment: ["LXD_CONF": Testbed.conf])
        XCTAssertEqual(r.stdoutText, real.stdoutText, "the help is the real lxc's, byte for byte")
        XCTAssertEqual(r.stderrText, real.stderrText)
    }

    func testTheSameErrorsAsTheRealLxc() throws {
        // Byte for byte against /usr/bin/lxc, for what a script can see.
        for args in [["exec", "lxa-nonexistent", "--", "true"], ["exec", DebianBed.stopped, "--", "true"],
                     ["exec", "-t", "-T", c, "--", "true"], ["exec", "--user", "x", c, "--", "true"],
                     ["exec", c, "--cwd"], ["exec", c, "--", "sh", "-c", "echo out; echo err >&2; exit 4"],
                     ["exec", "-x", c, "--", "true"]] {
            let ours = try asLXC(args)
            let real = try runCommand("/usr/bin/lxc", args, environment: ["LXD_CONF": Testbed.conf])
            XCTAssertEqual(ours.status, real.status, "\(args)")
            XCTAssertEqual(ours.stdoutText, real.stdoutText, "\(args)")
            XCTAssertEqual(ours.stderrText, real.stderrText, "\(args)")
        }
    }

    func testIncusWording() throws {
        let r = try asIncus(["exec", "lxa-nonexistent", "--", "true"])
        XCTAssertEqual(r.status, 1)
        XCTAssertEqual(r.stderrText, "Error: Failed to fetch instance \"lxa-nonexistent\" in project \"default\": Instance not found\n")
        let p = try asIncus(["--project", "nosuch", "exec", DebianBed.incusRunning[0], "--", "true"])
        XCTAssertEqual(p.stderrText, "Error: Project not found\n")
        let s = try asIncus(["exec", DebianBed.incusStopped, "--", "true"])
        XCTAssertEqual(s.stderrText, "Error: Instance is not running\n")
        let ok = try asIncus(["exec", DebianBed.incusRunning[0], "--env", "K", "--", "sh", "-c", "echo K=${K-unset}; exit 6"])
        XCTAssertEqual(ok.status, 6)
        XCTAssertEqual(ok.stdoutText, "K=\n")
        let down = try asIncus(["exec", "x", "--", "true"], environment: ["INCUS_SOCKET": "/nonexistent"])
        XCTAssertEqual(down.stderrText, "Error: The incus daemon doesn't appear to be started (socket path: /nonexistent)\n")
    }
}
