// Real Ansible (Scripts/testbed-ansible's venv) through lxattach's links: the
// community.general.lxd and .incus connection plugins run `lxc`/`incus` from PATH, which
// holds only the links, the stubs (the real clients, refusing exec and file) and the
// venv. Debian containers of Scripts/testbed-debian.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class AnsibleTests: IntegrationTestCase {
    static let venv = (ProcessInfo.processInfo.environment["LXATTACH_CACHE_DIR"] ?? "/var/cache/lxattach-testbed") + "/ansible-venv"

    /// A host's result in the json callback's output.
    struct HostResult {
        var raw: [String: Any]
        var rc: Int? { raw["rc"] as? Int }
        var stdout: String? { raw["stdout"] as? String }
        var unreachable: Bool { raw["unreachable"] as? Bool ?? false }
        var failed: Bool { raw["failed"] as? Bool ?? false }
        var msg: String { raw["msg"] as? String ?? "" }
    }

    struct Run {
        var result: CommandResult
        /// Per task, per host.
        var tasks: [[String: HostResult]]
        var stats: [String: [String: Int]]
    }

    private func run(_ tool: String, _ arguments: [String], directory: String, environment: [String: String?] = [:],
                     file: StaticString = #filePath, line: UInt = #line) throws -> Run {
        var env: [String: String?] = [
            "PATH": "\(AsLXCBed.links):\(AsLXCBed.stubs):\(Self.venv)/bin",
            "LXD_CONF": Testbed.conf, "INCUS_CONF": nil,
            "ANSIBLE_HOME": directory + "/ansible-home", "ANSIBLE_LOCAL_TEMP": directory + "/ansible-tmp",
            "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
            "ANSIBLE_NOCOLOR": "1", "ANSIBLE_DEPRECATION_WARNINGS": "0", "ANSIBLE_HOST_KEY_CHECKING": "0",
            "ANSIBLE_CONFIG": directory + "/ansible.cfg", "PYTHONWARNINGS": "ignore",
        ]
        // Ours, empty: no ansible.cfg of the machine or the user changes the run.
        _ = FileManager.default.createFile(atPath: directory + "/ansible.cfg", contents: Data("[defaults]\n".utf8))
        for (k, v) in environment { env[k] = v }
        let r = try runCommand(Self.venv + "/bin/" + tool, arguments, environment: env, timeout: 300, directory: directory,
                               file: file, line: line)
        guard let json = try? JSONSerialization.jsonObject(with: Data(r.stdout)) as? [String: Any] else {
            XCTFail("no JSON from \(tool): \(r)", file: file, line: line)
            return Run(result: r, tasks: [], stats: [:])
        }
        var tasks: [[String: HostResult]] = []
        for play in json["plays"] as? [[String: Any]] ?? [] {
            for task in play["tasks"] as? [[String: Any]] ?? [] {
                let hosts = task["hosts"] as? [String: [String: Any]] ?? [:]
                tasks.append(hosts.mapValues(HostResult.init))
            }
        }
        return Run(result: r, tasks: tasks, stats: json["stats"] as? [String: [String: Int]] ?? [:])
    }

    private func inventory(_ dir: String, connection: String, running: [String], stopped: String, extra: String = "") throws {
        let text = """
            [up]
            \(running.joined(separator: "\n"))
            [gone]
            \(stopped)
            lxa-nonexistent
            [all:vars]
            ansible_connection=\(connection)
            ansible_python_interpreter=/usr/bin/python3
            \(extra)

            """
        try text.write(toFile: dir + "/inventory", atomically: true, encoding: .utf8)
    }

    override func setUpWithError() throws {
        XCTAssertEqual(access(Self.venv + "/bin/ansible-playbook", X_OK), 0, "no Ansible venv: run Scripts/testbed")
    }

    func testRawCommandAndTheUnreachableHostsWithLxcsText() throws {
        let dir = AsLXCBed.scratch("ansible-raw")
        let calls = AsLXCBed.stubCalls
        try inventory(dir, connection: "community.general.lxd", running: DebianBed.running, stopped: DebianBed.stopped)
        let raw = try run("ansible", ["all", "-i", "inventory", "-m", "raw", "-a", "echo ~root"], directory: dir)
        let hosts = raw.tasks.first ?? [:]
        for h in DebianBed.running {
            XCTAssertEqual(hosts[h]?.rc, 0, "\(h): \(raw.result)")
            XCTAssertEqual(hosts[h]?.stdout, "/root\n", h)
        }
        XCTAssertEqual(hosts[DebianBed.stopped]?.unreachable, true)
        XCTAssertTrue(hosts[DebianBed.stopped]?.msg.contains("instance not running: \(DebianBed.stopped)") ?? false, "\(raw.result)")
        XCTAssertEqual(hosts["lxa-nonexistent"]?.unreachable, true)
        XCTAssertTrue(hosts["lxa-nonexistent"]?.msg.contains("instance not found: lxa-nonexistent") ?? false, "\(raw.result)")
        for pipelining in ["True", "False"] {
            let cmd = try run("ansible", ["up", "-i", "inventory", "-m", "command", "-a", "cat /etc/debian_version"],
                              directory: dir, environment: ["ANSIBLE_PIPELINING": pipelining])
            for h in DebianBed.running {
                XCTAssertEqual(cmd.tasks.first?[h]?.rc, 0, "pipelining \(pipelining), \(h): \(cmd.result)")
                XCTAssertTrue(cmd.tasks.first?[h]?.stdout?.hasPrefix("12.") ?? false, "\(cmd.result)")
            }
        }
        XCTAssertEqual(AsLXCBed.stubCalls, calls, "the real lxc was called for exec or file")
    }

    private let playbook = """
        - hosts: up
          gather_facts: false
          vars:
            base: /tmp/asx-play-{{ lookup('env', 'RUN_ID') }}
          tasks:
            - setup:
            - file: {path: "{{ base }}", state: directory, mode: "0750"}
            - copy: {content: "hello {{ inventory_hostname }}\\n", dest: "{{ base }}/hello"}
            - copy: {src: blob, dest: "{{ base }}/blob", mode: "0600"}
            - command: sha256sum {{ base }}/blob
              register: sum
            - lineinfile: {path: "{{ base }}/hello", line: second}
            - stat: {path: "{{ base }}/blob"}
              register: st
            - fetch: {src: "{{ base }}/hello", dest: "fetched/{{ inventory_hostname }}", flat: true}
            - slurp: {src: "{{ base }}/hello"}
              register: hello
            - assert:
                that:
                  - sum.stdout.split()[0] == lookup('file', 'blob.sha256')
                  - st.stat.mode == '0600'
                  - st.stat.pw_name == (ansible_user | default('root'))
                  - (hello.content | b64decode) == 'hello ' ~ inventory_hostname ~ '\\nsecond\\n'
                  - ansible_facts.distribution == 'Debian'

        """

    private func playbookFolder(_ name: String) throws -> String {
        let dir = AsLXCBed.scratch(name)
        try playbook.write(toFile: dir + "/play.yml", atomically: true, encoding: .utf8)
        let blob = (0..<100_000).map { _ in UInt8.random(in: 0...255) }
        _ = FileManager.default.createFile(atPath: dir + "/blob", contents: Data(blob))
        let sum = try runCommand("/usr/bin/sha256sum", [dir + "/blob"]).stdoutText.split(separator: " ").first.map(String.init) ?? ""
        try sum.write(toFile: dir + "/blob.sha256", atomically: true, encoding: .utf8)
        return dir
    }

    private func checkPlay(_ play: Run, hosts: [String], dir: String, line: UInt = #line) {
        XCTAssertEqual(play.result.status, 0, "\(play.result)", line: line)
        for h in hosts {
            XCTAssertEqual(play.stats[h]?["failures"], 0, "\(h): \(play.result)", line: line)
            XCTAssertEqual(play.stats[h]?["unreachable"], 0, "\(h)", line: line)
            XCTAssertEqual(play.stats[h]?["ok"], 10, "\(h): \(play.stats)", line: line)
            XCTAssertEqual(FileManager.default.contents(atPath: "\(dir)/fetched/\(h)"), Data("hello \(h)\nsecond\n".utf8), h, line: line)
        }
    }

    func testTenTaskPlaybookWithPipeliningOnAndOff() throws {
        for pipelining in ["True", "False"] {
            let dir = try playbookFolder("ansible-play-\(pipelining)")
            try inventory(dir, connection: "community.general.lxd", running: DebianBed.running, stopped: DebianBed.stopped)
            let calls = AsLXCBed.stubCalls
            let play = try run("ansible-playbook", ["-i", "inventory", "play.yml"], directory: dir,
                               environment: ["ANSIBLE_PIPELINING": pipelining, "RUN_ID": "\(getpid())-\(pipelining)"])
            checkPlay(play, hosts: DebianBed.running, dir: dir)
            XCTAssertEqual(AsLXCBed.stubCalls, calls, "the real lxc was called for exec or file")
        }
    }

    /// remote_user not root: the plugin runs `su user -c …` and pushes with --uid/--gid.
    func testNonRootAnsibleUser() throws {
        let dir = try playbookFolder("ansible-user")
        try inventory(dir, connection: "community.general.lxd", running: [DebianBed.running[0]], stopped: DebianBed.stopped,
                      extra: "ansible_user=\(DebianBed.user)")
        let play = try run("ansible-playbook", ["-i", "inventory", "play.yml"], directory: dir, environment: ["RUN_ID": "user-\(getpid())"])
        checkPlay(play, hosts: [DebianBed.running[0]], dir: dir)
        let owner = try lxc("exec", DebianBed.running[0], "--", "stat", "-c", "%U %G", "/tmp/asx-play-user-\(getpid())/hello")
        XCTAssertEqual(owner.stdoutText, "user user\n")
    }

    func testIncusPluginTheSameWay() throws {
        let dir = try playbookFolder("ansible-incus")
        try inventory(dir, connection: "community.general.incus", running: DebianBed.incusRunning, stopped: DebianBed.incusStopped)
        let calls = AsLXCBed.stubCalls
        let play = try run("ansible-playbook", ["-i", "inventory", "play.yml"], directory: dir, environment: ["RUN_ID": "incus-\(getpid())"])
        checkPlay(play, hosts: DebianBed.incusRunning, dir: dir)
        let raw = try run("ansible", ["gone", "-i", "inventory", "-m", "raw", "-a", "true"], directory: dir)
        XCTAssertTrue(raw.tasks.first?[DebianBed.incusStopped]?.msg.contains("instance not running") ?? false, "\(raw.result)")
        XCTAssertTrue(raw.tasks.first?["lxa-nonexistent"]?.msg.contains("instance not found") ?? false, "\(raw.result)")
        XCTAssertEqual(AsLXCBed.stubCalls, calls, "the real incus was called for exec or file")
    }

    /// testinfra's lxc:// backend (`lxc exec NAME --mode=non-interactive -- /bin/sh -c CMD`).
    func testTestinfra() throws {
        let dir = AsLXCBed.scratch("testinfra")
        let tests = """
            def test_os(host):
                assert host.system_info.distribution == "debian"
                assert host.file("/etc/debian_version").content_string.startswith("12.")

            def test_user(host):
                assert host.user("user").uid == 1000
                assert host.run("exit 3").rc == 3
                assert host.package("python3").is_installed

            """
        try tests.write(toFile: dir + "/test_bed.py", atomically: true, encoding: .utf8)
        let calls = AsLXCBed.stubCalls
        let r = try runCommand(Self.venv + "/bin/py.test", ["-q", "-p", "no:cacheprovider", "--hosts=lxc://\(DebianBed.running[1])", "test_bed.py"],
                               environment: ["PATH": "\(AsLXCBed.links):\(AsLXCBed.stubs):\(Self.venv)/bin", "LXD_CONF": Testbed.conf],
                               timeout: 120, directory: dir)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertTrue(r.stdoutText.contains("2 passed"), "\(r)")
        XCTAssertEqual(AsLXCBed.stubCalls, calls)
    }
}
