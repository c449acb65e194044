// The test bed's daemon watchdog (Support/DaemonWatchdog.swift): its probe against the
// real daemon and against sockets that are not one, the panic line it reads, and the whole
// scenario (a daemon dies between two classes, one loud line, its script brings it back,
// the restart recorded and summed up by Scripts/daemon-restarts) on a fake daemon of this
// test's own: a small Python server answering GET /1.0 with its own PID, started by a
// fake "test bed script" and ended by the PID it reports. The test bed's daemons are never
// stopped here (Docs/testing.md says how the real scenario was checked).
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class DaemonWatchdogTests: IntegrationTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "lxa-watchdog-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        // The fake daemon, by the PID it reports (and only if it is our fake.py).
        if case .alive(let pid?) = DaemonProbe.probe(folder + "/s", timeout: 1), isFake(pid) { kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: folder)
    }

    func testProbeSaysAliveWithTheDaemonsOwnPID() throws {
        let start = Date()
        let outcome = DaemonProbe.probe(Testbed.socket)
        XCTAssertLessThan(Date().timeIntervalSince(start), 1, "\(outcome)")
        XCTAssertEqual(outcome, .alive(pid: try Testbed.daemonPID()))
    }

    func testProbeOfNoSocketAStaleOneAndASilentOne() throws {
        guard case .dead(let none) = DaemonProbe.probe(folder + "/none") else { return XCTFail("no socket is not dead") }
        XCTAssertTrue(none.contains("No such file"), none)

        // A listener that accepts nothing and answers nothing: connect succeeds (backlog).
        let silent = try listen(at: folder + "/silent")
        let start = Date()
        let outcome = DaemonProbe.probe(folder + "/silent", timeout: 0.3)
        XCTAssertEqual(Date().timeIntervalSince(start), 0.3, accuracy: 0.2)
        guard case .unresponsive = outcome else { return XCTFail("\(outcome)") }
        // Closed: the socket file stays, as a crashed daemon's does.
        close(silent)
        guard case .dead(let stale) = DaemonProbe.probe(folder + "/silent") else { return XCTFail("stale socket is not dead") }
        XCTAssertTrue(stale.contains("refused"), stale)
    }

    func testParse() {
        let ok = "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n"
            + #"{"type":"sync","metadata":{"environment":{"server_pid":4242}}}"#
        XCTAssertEqual(DaemonProbe.parse(Array(ok.utf8)), .alive(pid: 4242))
        XCTAssertEqual(DaemonProbe.parse(Array("HTTP/1.1 200 OK\r\n\r\n{}".utf8)), .alive(pid: nil))
        XCTAssertEqual(DaemonProbe.parse(Array("HTTP/1.1 503 Service Unavailable\r\n\r\n".utf8)),
                       .dead(#"answered "HTTP/1.1 503 Service Unavailable""#))
        XCTAssertEqual(DaemonProbe.parse([]), .dead("closed without an answer"))
    }

    func testLastPanicLineOfTheFirstLogThatHasOne() throws {
        let out = folder + "/lxd.out", log = folder + "/lxd.log"
        try "t=1 lvl=info msg=x\npanic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV]\n\ngoroutine 7 [running]:\n"
            .write(toFile: out, atomically: true, encoding: .utf8)
        try "time=1 level=fatal msg=\"later\"\n".write(toFile: log, atomically: true, encoding: .utf8)
        let daemon = TestbedDaemon(name: "x", socket: folder + "/s", logs: [folder + "/missing", out, log], script: "/bin/true")
        XCTAssertEqual(daemon.lastPanicLine(), "panic: runtime error: invalid memory address or nil pointer dereference")
        let quiet = TestbedDaemon(name: "x", socket: folder + "/s", logs: [folder + "/missing"], script: "/bin/true")
        XCTAssertNil(quiet.lastPanicLine())
        XCTAssertTrue(TestbedDaemon.isPanic("SIGABRT: abort"))
        XCTAssertTrue(TestbedDaemon.isPanic("fatal error: concurrent map writes"))
        XCTAssertFalse(TestbedDaemon.isPanic("SIGHUP received: reloading"))
        XCTAssertFalse(TestbedDaemon.isPanic("t=1 lvl=warn msg=\"panic: quoted\""))
    }

    /// A daemon dies after class First: before class Next there is one loud line naming it,
    /// First and its log's panic; its script brings it back (a new PID) and one record line
    /// says so, which Scripts/daemon-restarts sums up. A healthy check says nothing.
    func testADeadDaemonIsBroughtBackAndRecorded() throws {
        let daemon = try fakeDaemon()
        let lines = Lines()
        let record = folder + "/restarts.log"
        let watchdog = DaemonWatchdog(daemons: [daemon], recordFile: record, runID: "run-\(getpid())",
                                      probeTimeout: 0.5, confirmTimeout: 2, scriptTimeout: 30, say: { lines.add($0) })
        XCTAssertEqual(try runCommand(daemon.script, timeout: 30).status, 0)
        guard case .alive(let first?) = DaemonProbe.probe(daemon.socket), isFake(first) else {
            return XCTFail("the fake daemon did not start")
        }
        XCTAssertEqual(watchdog.beforeClass("First"), [])
        XCTAssertEqual(lines.all, [])

        XCTAssertEqual(kill(first, SIGKILL), 0)
        waitUntil("the fake daemon \(first) gone") { kill(first, 0) != 0 }
        try "starting\npanic: concurrent write to websocket connection\n\ngoroutine 1 [running]:\n"
            .write(toFile: daemon.logs[0], atomically: true, encoding: .utf8)

        let records = watchdog.beforeClass("Next")
        XCTAssertEqual(lines.all.count, 1, "\(lines.all)")
        let loud = lines.all.first ?? ""
        for part in ["!!! TEST BED", "fake", "refused", "the class that ran last: First",
                     "panic: concurrent write to websocket connection", "before Next"] {
            XCTAssertTrue(loud.contains(part), "\(part) is not in \(loud)")
        }
        guard case .alive(let second?) = DaemonProbe.probe(daemon.socket) else { return XCTFail("not back") }
        XCTAssertNotEqual(second, first)
        XCTAssertEqual(records.map { $0.outcome.hasPrefix("back (pid ") }, [true], "\(records)")
        let written = (try String(contentsOfFile: record, encoding: .utf8)).split(separator: "\n")
        XCTAssertEqual(written.count, 1)
        XCTAssertEqual(written.first?.split(separator: "\t").dropFirst().prefix(5).joined(separator: "|"),
                       "run-\(getpid())|fake|First|Next|" + (records.first?.found ?? ""))

        let summary = try runCommand(TestbedDaemon.scripts + "/daemon-restarts", ["run-\(getpid())", record])
        XCTAssertEqual(summary.stdoutText, "daemon restarts: 1 (fake after First)\n", "\(summary)")
        let details = try runCommand(TestbedDaemon.scripts + "/daemon-restarts", ["--details", "run-\(getpid())", record])
        XCTAssertTrue(details.stdoutText.hasPrefix("daemon restart at "), "\(details)")
        XCTAssertTrue(details.stdoutText.contains(": fake after First, before Next: "), "\(details)")
        XCTAssertTrue(details.stdoutText.contains("; last panic: panic: concurrent write to websocket connection; back (pid "),
                      "\(details)")
        let other = try runCommand(TestbedDaemon.scripts + "/daemon-restarts", ["another-run", record])
        XCTAssertEqual(other.stdoutText, "daemon restarts: 0\n", "\(other)")

        // Alive again: the next class's check says nothing and records nothing.
        XCTAssertEqual(watchdog.beforeClass("Third"), [])
        XCTAssertEqual(lines.all.count, 1)
    }

    /// Every integration test class gets the check: none derives from XCTestCase itself.
    func testEveryIntegrationClassDerivesFromIntegrationTestCase() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().path
        let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") && !$0.hasSuffix("IntegrationTestCase.swift") } ?? []
        XCTAssertGreaterThan(files.count, 20)
        let direct = try NSRegularExpression(pattern: #"class\s+\w+\s*:\s*XCTestCase\b"#)
        for file in files {
            let text = try String(contentsOfFile: root + "/" + file, encoding: .utf8)
            let hits = direct.numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text))
            XCTAssertEqual(hits, 0, "\(file): derive from IntegrationTestCase (the daemon watchdog), not XCTestCase")
        }
    }

    /// A daemon its script cannot bring back: two loud lines and one record the first time,
    /// then one line per class and the script is not run again.
    func testADaemonThatStaysDownIsReportedAndNotRestartedAgain() throws {
        let runs = folder + "/runs"
        try "#!/bin/sh\necho ran >> '\(runs)'\necho 'fake: FAILED: cannot start it' >&2\nexit 1\n"
            .write(toFile: folder + "/broken", atomically: true, encoding: .utf8)
        chmod(folder + "/broken", 0o755)
        let daemon = TestbedDaemon(name: "broken", socket: folder + "/none", logs: [], script: folder + "/broken")
        let lines = Lines()
        let record = folder + "/restarts.log"
        let watchdog = DaemonWatchdog(daemons: [daemon], recordFile: record, runID: "r", probeTimeout: 0.2,
                                      confirmTimeout: 0.2, scriptTimeout: 10, say: { lines.add($0) })
        let records = watchdog.beforeClass("A")
        XCTAssertEqual(records.count, 1)
        XCTAssertTrue(records.first?.outcome.hasPrefix("still down: ") == true, "\(records)")
        XCTAssertTrue(records.first?.outcome.contains("exit 1") == true, "\(records)")
        XCTAssertTrue(records.first?.outcome.contains("fake: FAILED: cannot start it") == true, "\(records)")
        XCTAssertEqual(lines.all.count, 2, "\(lines.all)")
        XCTAssertEqual(watchdog.beforeClass("B"), [])
        XCTAssertEqual(lines.all.count, 3, "\(lines.all)")
        XCTAssertTrue(lines.all.last?.contains("not tried again") == true, "\(lines.all)")
        XCTAssertEqual(try String(contentsOfFile: runs, encoding: .utf8), "ran\n")
        let summary = try runCommand(TestbedDaemon.scripts + "/daemon-restarts", ["r", record])
        XCTAssertEqual(summary.stdoutText, "daemon restarts: 1 (broken after none yet: still down)\n", "\(summary)")
    }

    // MARK: helpers

    /// A daemon of this test's own: `restart` (its "test bed script") starts fake.py, which
    /// answers GET /1.0 on `s` with its PID; its "log" is daemon.log.
    private func fakeDaemon() throws -> TestbedDaemon {
        let server = """
            import os, socket, sys
            path = sys.argv[1]
            s = socket.socket(socket.AF_UNIX)
            s.bind(path)
            s.listen(16)
            body = ('{"type":"sync","metadata":{"environment":{"server_pid":%d}}}' % os.getpid()).encode()
            while True:
                c, _ = s.accept()
                c.recv(65536)
                c.sendall(b"HTTP/1.0 200 OK\\r\\nContent-Length: %d\\r\\n\\r\\n" % len(body) + body)
                c.close()

            """
        try server.write(toFile: folder + "/fake.py", atomically: true, encoding: .utf8)
        let script = """
            #!/bin/sh
            rm -f '\(folder)/s'
            setsid nohup /usr/bin/python3 '\(folder)/fake.py' '\(folder)/s' >/dev/null 2>&1 </dev/null &
            for _ in $(seq 1 100); do [ -S '\(folder)/s' ] && exit 0; sleep 0.05; done
            exit 1

            """
        try script.write(toFile: folder + "/restart", atomically: true, encoding: .utf8)
        chmod(folder + "/restart", 0o755)
        return TestbedDaemon(name: "fake", socket: folder + "/s", logs: [folder + "/daemon.log"], script: folder + "/restart")
    }

    private func isFake(_ pid: Int32) -> Bool {
        let cmdline = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline").map { String(decoding: $0, as: UTF8.self) }
        return cmdline?.contains(folder + "/fake.py") == true
    }

    /// A unix socket listening at `path` (never accepting); returns its fd.
    private func listen(at path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in path.utf8.enumerated() { raw[i] = b }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard fd >= 0, bound == 0, Glibc.listen(fd, 4) == 0 else { throw HarnessError.io("listen \(path)", errno) }
        return fd
    }
}

/// The loud lines a watchdog said, kept for the test.
private final class Lines: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [String] = []
    var all: [String] { lock.lock(); defer { lock.unlock() }; return lines }
    func add(_ line: String) { lock.lock(); lines.append(line); lock.unlock() }
}
