// The three-member LXD cluster made by Scripts/testbed-cluster, and helpers around it:
// running lxattach and the real lxc against it, and freezing one member's daemon
// (SIGSTOP) for a bounded time while holding the cluster script's lock.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Names and paths of the cluster test bed (Scripts/testbed-cluster, Docs/testing.md).
enum ClusterBed {
    /// Where the members' folders (`nodeN`) and PID files (`nodeN.pid`) live.
    static let directory = Testbed.directory + "/cluster"
    /// Client folder: remote `cluster` (node1's unix socket, the default), `n1` `n2` `n3`
    /// (https://127.0.1.N:8443, the shared cluster certificate pinned), conf/'s client
    /// certificate (trusted by the cluster).
    static let conf = Testbed.directory + "/conf-cluster"
    /// Held by Scripts/testbed-cluster while it runs; a test that freezes a member holds
    /// it too, so that a test bed run elsewhere does not continue the member under it.
    static let lock = Testbed.directory + "/lock-cluster"
    static let log = Testbed.directory + "/testbed-cluster.log"

    struct Member {
        /// `server_name`, what instances' `location` says.
        let name: String
        /// The conf-cluster remote reaching this member over HTTPS.
        let remote: String
        let url: String
        /// The running instance placed on this member.
        let instance: String
        var folder: String { ClusterBed.directory + "/" + name }
        var pidFile: String { ClusterBed.directory + "/\(name).pid" }
    }

    static let members = (1...3).map {
        Member(name: "node\($0)", remote: "n\($0)", url: "https://127.0.1.\($0):8443", instance: "lxc-n\($0)a")
    }

    /// The member whose `roles` include `database-leader` (GET /1.0/cluster/members).
    /// Freezing it stalls the whole cluster's database until the others elect a new
    /// leader (10–15 s here), so every member answers late, not only the frozen one.
    static func databaseLeader(file: StaticString = #filePath, line: UInt = #line) throws -> Member {
        let r = try clxc(["query", "/1.0/cluster/members?recursion=1"], timeout: 20, file: file, line: line)
        let list = (try? JSONSerialization.jsonObject(with: Data(r.stdoutText.utf8))) as? [[String: Any]] ?? []
        let leader = list.first { ($0["roles"] as? [String])?.contains("database-leader") == true }
        guard let name = leader?["server_name"] as? String, let member = members.first(where: { $0.name == name }) else {
            throw HarnessError.notFound("the database leader in \(r)")
        }
        return member
    }

    /// The member the fault tests freeze: node3, or node2 when node3 leads the database.
    /// Never node1, whose unix socket is the default remote.
    static func frozenForFaults(file: StaticString = #filePath, line: UInt = #line) throws -> Member {
        let leader = try databaseLeader(file: file, line: line)
        return members[2].name == leader.name ? members[1] : members[2]
    }

    /// The daemon PID of `member`, checked to be that member's `lxd --logfile <folder>/lxd.log`.
    static func pid(of member: Member) throws -> pid_t {
        let text = (try? String(contentsOfFile: member.pidFile, encoding: .utf8)) ?? ""
        guard let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw HarnessError.notFound("\(member.pidFile): run Scripts/testbed (see \(log))")
        }
        let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline")
            .map { String(decoding: $0, as: UTF8.self) } ?? ""
        guard cmdline == "lxd\0--logfile\0\(member.folder)/lxd.log\0" else {
            throw HarnessError.notFound("\(member.name)'s daemon (pid \(pid) is \(cmdline.debugDescription))")
        }
        return pid
    }
}

/// Runs the built lxattach with LXD_CONF=conf-cluster.
@discardableResult
func clattach(
    _ arguments: [String], environment: [String: String?] = [:], stdin: CommandInput = .null, timeout: Double = 60,
    file: StaticString = #filePath, line: UInt = #line
) throws -> CommandResult {
    var env: [String: String?] = ["LXD_CONF": ClusterBed.conf, "LXC_REMOTE": nil, "LXD_SOCKET": nil, "LXD_DIR": nil]
    for (k, v) in environment { env[k] = v }
    return try lxattach(arguments, environment: env, stdin: stdin, timeout: timeout, file: file, line: line)
}

/// Runs the real lxc with LXD_CONF=conf-cluster.
@discardableResult
func clxc(
    _ arguments: [String], stdin: CommandInput = .null, timeout: Double = 60, failOnTimeout: Bool = true,
    file: StaticString = #filePath, line: UInt = #line
) throws -> CommandResult {
    try runCommand("lxc", arguments, environment: ["LXD_CONF": ClusterBed.conf, "LXC_REMOTE": nil, "LXD_SOCKET": nil, "LXD_DIR": nil],
                   stdin: stdin, timeout: timeout, failOnTimeout: failOnTimeout, file: file, line: line)
}

/// One member's daemon stopped with SIGSTOP until `thaw()` (or deinit), with the
/// cluster script's lock held all that time. Thawing waits (bounded) until the member
/// is Online again and runs commands, so the next test finds a whole cluster.
final class FrozenMember {
    let member: ClusterBed.Member
    private let pid: pid_t
    private let lockFD: Int32
    private var frozen = true

    init(_ member: ClusterBed.Member, file: StaticString = #filePath, line: UInt = #line) throws {
        self.member = member
        pid = try ClusterBed.pid(of: member)
        lockFD = open(ClusterBed.lock, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard lockFD >= 0 else { throw HarnessError.io("open \(ClusterBed.lock)", errno) }
        // Bounded: Scripts/testbed-cluster holds it for seconds at most.
        let deadline = Date().addingTimeInterval(120)
        while flock(lockFD, LOCK_EX | LOCK_NB) != 0 {
            guard Date() < deadline else {
                close(lockFD)
                throw HarnessError.notFound("the cluster lock \(ClusterBed.lock) within 120 s")
            }
            usleep(100_000)
        }
        guard kill(pid, SIGSTOP) == 0 else {
            let e = errno
            close(lockFD)
            throw HarnessError.io("kill -STOP \(pid)", e)
        }
    }

    /// SIGCONT, then waits until the member is Online and runs a command in its instance
    /// through every member.
    func thaw(file: StaticString = #filePath, line: UInt = #line) {
        guard frozen else { return }
        frozen = false
        kill(pid, SIGCONT)
        defer { close(lockFD) }
        waitUntil("\(member.name) back Online and running commands", timeout: 60, interval: 0.5, file: file, line: line) {
            let m = try? clxc(["query", "/1.0/cluster/members/\(member.name)"], timeout: 10, failOnTimeout: false,
                                file: file, line: line)
            guard m?.stdoutText.contains("\"status\": \"Online\"") == true else { return false }
            // The instance list (what `exec --all` reads) shows its instance Running again:
            // a member seen offline leaves it "Error" there until a heartbeat round.
            let list = try? clxc(["query", "/1.0/instances?recursion=1"], timeout: 10, failOnTimeout: false,
                                 file: file, line: line)
            let instances = (try? JSONSerialization.jsonObject(with: Data((list?.stdoutText ?? "").utf8))) as? [[String: Any]]
            guard instances?.contains(where: { $0["name"] as? String == member.instance && $0["status"] as? String == "Running" })
                    == true else { return false }
            // Through every member: each must have its event connection to this one back, or
            // the next test meets "Missing event connection with target cluster member".
            return ClusterBed.members.allSatisfy { via in
                let r = try? clxc(["exec", "\(via.remote):\(member.instance)", "--", "true"], timeout: 10,
                                  failOnTimeout: false, file: file, line: line)
                return r?.status == 0
            }
        }
    }

    deinit { thaw() }
}
