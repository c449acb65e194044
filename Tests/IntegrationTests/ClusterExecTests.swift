// lxattach against a real three-member LXD 5.0.2 cluster (Scripts/testbed-cluster):
// exec to the instance on every member, through node1's unix socket (the member
// forwards the POST and proxies the websockets) and over TLS through node2 (the
// cluster certificate pinned), checked against the real lxc where it can serve as
// the reference. Fails (never skips) when the cluster is missing: run Scripts/testbed.
import Foundation
import LXD
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class ClusterExecTests: IntegrationTestCase {
    /// No remote: conf-cluster's default, `cluster`, node1's unix socket; "n2:" is HTTPS to node2.
    private let ways = ["", "n2:"]

    /// Every (way in, instance) pair: each member's instance through each way.
    private var targets: [String] {
        ways.flatMap { way in ClusterBed.members.map { way + $0.instance } }
    }

    override func setUpWithError() throws {
        for member in ClusterBed.members { _ = try ClusterBed.pid(of: member) }
    }

    /// The test bed itself: three members Online, each instance Running on its member
    /// (as the real lxc sees it), and the library's `instances.list()` says the same.
    func testEveryMemberHoldsItsRunningInstance() throws {
        let members = try reference { try clxc(["cluster", "list", "--format", "csv"]) }
        XCTAssertEqual(members.status, 0, "\(members)")
        for member in ClusterBed.members {
            let row = members.stdoutText.split(separator: "\n").first { $0.hasPrefix(member.name + ",") }
            XCTAssertNotNil(row, "\(member.name) missing: \(members.stdoutText)")
            XCTAssertTrue(row?.contains(member.url) == true && row?.contains(",ONLINE,") == true, "\(row ?? "")")
        }
        let list = try reference { try clxc(["list", "--format", "csv", "-c", "nsL"]) }
        XCTAssertEqual(list.status, 0, "\(list)")
        let environment = libraryEnvironment(conf: ClusterBed.conf, ["LXC_REMOTE": nil])
        var loader = ConfigLoader(environment: environment)
        loader.readerPath = try Built.lxattachConfig()
        let config = try loader.load().config
        for remote in ["cluster", "n3"] {
            let client = LXDClient(remote: try config.resolve(remote: remote, in: environment))
            let ours = try client.instances.list()
            for member in ClusterBed.members {
                XCTAssertTrue(list.stdoutText.split(separator: "\n").contains("\(member.instance),RUNNING,\(member.name)"),
                              "lxc: \(list.stdoutText)")
                let summary = ours.first { $0.name == member.instance }
                XCTAssertEqual(summary, InstanceSummary(name: member.instance, status: "Running", type: "container",
                                                        location: member.name), "\(remote): \(ours)")
                XCTAssertEqual(try client.cluster.locate(instance: member.instance), member.name)
                XCTAssertEqual(try client.cluster.member(member.name).url, member.url)
            }
            XCTAssertTrue(try client.cluster.isClustered())
            XCTAssertNil(try client.cluster.locate(instance: "lxc-no-such-instance"))
            XCTAssertEqual(try client.cluster.members().map(\.name), ClusterBed.members.map(\.name))
        }
    }

    func testExitStatusesAndMessagesOnEveryMember() throws {
        let cases: [(command: [String], status: Int32, stderr: String)] = [
            (["true"], 0, ""),
            (["sh", "-c", "exit 7"], 7, ""),
            (["/nonexistent"], 127, "Error: Command not found\n"),
            (["sh", "-c", "kill -TERM $$"], 143, ""),
        ]
        for target in targets {
            for c in cases {
                let r = try clattach(["exec", target, "--"] + c.command, timeout: 30)
                XCTAssertEqual(r.status, c.status, "\(target): \(r)")
                XCTAssertEqual(r.stderrText, c.stderr, "\(target): \(r)")
            }
        }
        // The real lxc gives the same statuses through the same ways.
        for target in ["lxc-n3a", "n2:lxc-n1a"] {
            let r = try reference { try clxc(["exec", target, "--", "sh", "-c", "exit 7"]) }
            XCTAssertEqual(r.status, 7, "\(r)")
        }
    }

    /// Interleaved writes to both streams, with NUL and 0xFF: each side gets its own bytes.
    ///
    /// The command pauses after its output: LXD < 6.2 never reads a member's stderr
    /// websocket, so the keepalive pong the forwarding member sends on it is unread when
    /// the member closes it at the command's end, the close resets the connection, and
    /// stderr still on its way to the forwarding member is lost — for `lxc exec` too
    /// (measured: 2 runs in 270 cut short; fixed upstream in LXD 6.2, "Consume websocket
    /// pings for stderr"). The pause lets the output arrive first, so what this checks is
    /// ours: both streams whole and apart.
    func testStdoutAndStderrStaySeparateOnEveryMember() throws {
        let s = SeparationScript(count: 200, then: "sleep 0.5")
        for target in targets {
            let r = try clattach(["exec", target, "--", "sh", "-c", s.script], timeout: 30)
            s.assertCarried(by: r, status: 0, "\(target): ")
        }
    }

    /// 4 MiB of random bytes through `cat` and into `sha256sum` on every member, by every way.
    func testFourMiBBinaryRoundTripOnEveryMember() throws {
        let data = try ExecChecks.randomBytes(4 << 20)
        let sum = try ExecChecks.sha256(data)
        for target in targets {
            let echo = try clattach(["exec", target, "--", "cat"], stdin: .bytes(data), timeout: 60)
            XCTAssertEqual(echo.status, 0, "\(target): \(echo)")
            XCTAssertEqual(echo.stdout.count, data.count, target)
            XCTAssertTrue(echo.stdout == data, "\(target): the bytes through cat differ")
            let remote = try clattach(["exec", target, "--", "sha256sum"], stdin: .bytes(data), timeout: 60)
            XCTAssertEqual(remote.status, 0, "\(target): \(remote)")
            XCTAssertEqual(String(remote.stdoutText.prefix(64)), sum, "\(target): \(remote)")
        }
    }

    // MARK: interactive, in a real terminal (tmux)

    /// An interactive shell on node3's instance through node1's socket, and on node1's
    /// through node2 over TLS: prompt, hostname, window size and its change, exit status,
    /// terminal restored.
    func testInteractiveShellOnAnotherMemberBySocketAndTLS() throws {
        for (target, host) in [("lxc-n3a", "lxc-n3a"), ("n2:lxc-n1a", "lxc-n1a")] {
            let tmux = try TmuxSession(width: 100, height: 30)
            defer { tmux.close() }
            let run = try WrappedRun(tmux, ["exec", target, "--", "sh"],
                                     setup: "unset LXC_REMOTE LXD_SOCKET LXD_DIR; export LXD_CONF=\(shellQuote(ClusterBed.conf))")
            try ShellChecks.promptSizeResizeExit(tmux, run, host: host, context: "\(target): ")
        }
    }
}
