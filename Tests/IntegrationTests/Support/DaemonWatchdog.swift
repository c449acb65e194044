// The test bed's daemon watchdog: before each integration test class (IntegrationTestCase's
// class setUp), every daemon of the test bed must answer `GET /1.0` on its unix socket.
// One that does not (LXD 5.0.2 has crashed under our suite: a nil dereference in
// operations.(*Operation).Connect, "concurrent write to websocket connection" in its
// console mirror) gets one loud line naming it, the class that ran last and its log's
// last panic; then the test bed's own idempotent script brings it back and the restart is
// recorded for Scripts/test's summary. The class that crashed it has failed on its own;
// only the classes after it get a live daemon again. Nothing is retried or hidden.
//
// Healthy, a check is five connects and five small answers: about 2 ms in all.
import Foundation

#if canImport(Glibc)
import Glibc
#endif

final class DaemonWatchdog: @unchecked Sendable {
    /// The one the integration tests use: every daemon of the test bed, the real record.
    static let shared = DaemonWatchdog()

    let daemons: [TestbedDaemon]
    let recordFile: String
    let runID: String
    /// A first `GET /1.0` within this bound, else one more within `confirmTimeout` (a
    /// daemon slow on a loaded machine is not dead).
    let probeTimeout: Double
    let confirmTimeout: Double
    /// A test bed script that has not finished in this time has failed.
    let scriptTimeout: Double
    /// Where the loud lines go (standard output, beside XCTest's own lines).
    private let say: @Sendable (String) -> Void

    private let lock = NSLock()
    private var lastClass: String?
    /// Daemons whose restart failed in this run: not restarted again (every class would
    /// wait for the script again), only reported.
    private var givenUp: Set<String> = []

    init(daemons: [TestbedDaemon] = TestbedDaemon.all, recordFile: String = DaemonRestartRecord.file,
         runID: String = DaemonRestartRecord.runID, probeTimeout: Double = 2, confirmTimeout: Double = 10,
         scriptTimeout: Double = 600, say: @escaping @Sendable (String) -> Void = DaemonWatchdog.printLine) {
        self.daemons = daemons
        self.recordFile = recordFile
        self.runID = runID
        self.probeTimeout = probeTimeout
        self.confirmTimeout = confirmTimeout
        self.scriptTimeout = scriptTimeout
        self.say = say
    }

    static func printLine(_ line: String) {
        print(line)
        fflush(nil)
    }

    /// Checks every daemon before the class `name` runs, and brings back the dead ones.
    /// Returns what it recorded (nothing when all are alive).
    @discardableResult
    func beforeClass(_ name: String) -> [DaemonRestartRecord] {
        lock.lock()
        defer { lock.unlock() }
        let previous = lastClass ?? "none yet"
        lastClass = name

        var down: [(daemon: TestbedDaemon, outcome: DaemonProbe.Outcome)] = []
        for daemon in daemons {
            var outcome = DaemonProbe.probe(daemon.socket, timeout: probeTimeout)
            if case .unresponsive = outcome { outcome = DaemonProbe.probe(daemon.socket, timeout: confirmTimeout) }
            if !outcome.isAlive { down.append((daemon, outcome)) }
        }
        guard !down.isEmpty else { return [] }
        for (daemon, outcome) in down where givenUp.contains(daemon.name) {
            say("!!! TEST BED: daemon \(daemon.name) is still down (\(daemon.socket): \(outcome)) before \(name); "
                + "its restart failed earlier in this run, so it is not tried again")
        }
        down.removeAll { givenUp.contains($0.daemon.name) }
        guard !down.isEmpty else { return [] }

        var panics: [String: String] = [:]
        for (daemon, outcome) in down {
            // Read now: the script starts the daemon again with a fresh log.
            let panic = daemon.lastPanicLine()
            panics[daemon.name] = panic
            say("!!! TEST BED: daemon \(daemon.name) is down (\(daemon.socket): \(outcome)); the class that ran last: "
                + "\(previous); its last panic: \(panic ?? "none in \(daemon.logs.joined(separator: ", "))"); "
                + "restarting it with Scripts/\(URL(fileURLWithPath: daemon.script).lastPathComponent) before \(name)")
        }

        var scriptResults: [String: String] = [:]
        for script in down.map(\.daemon.script).reduce(into: [String](), { if !$0.contains($1) { $0.append($1) } }) {
            scriptResults[script] = run(script)
        }

        var records: [DaemonRestartRecord] = []
        for (daemon, outcome) in down {
            let after = DaemonProbe.probe(daemon.socket, timeout: confirmTimeout)
            let result = scriptResults[daemon.script] ?? ""
            let back: String
            if case .alive(let pid) = after {
                back = "back (pid \(pid.map(String.init) ?? "?")); \(result)"
            } else {
                back = "still down: \(after); \(result)"
                givenUp.insert(daemon.name)
                say("!!! TEST BED: daemon \(daemon.name) is still down after Scripts/"
                    + "\(URL(fileURLWithPath: daemon.script).lastPathComponent): \(after); \(result)")
            }
            let record = DaemonRestartRecord(daemon: daemon.name, lastClass: previous, nextClass: name,
                                             found: outcome.description, panic: panics[daemon.name], outcome: back)
            if !record.append(to: recordFile, runID: runID) {
                say("!!! TEST BED: cannot append the restart of \(daemon.name) to \(recordFile)")
            }
            records.append(record)
        }
        return records
    }

    /// Runs a test bed script; says how it ended, with what it says it made (`testbed: made:
    /// daemon`) or failed, else its last line of output.
    private func run(_ script: String) -> String {
        let start = Date()
        // The scripts use root's own client configuration, not the tests' fresh HOME.
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/root"
        guard let r = try? runCommand(script, [], environment: ["HOME": home, "XDG_CACHE_HOME": nil],
                                      timeout: scriptTimeout, failOnTimeout: false) else {
            return "cannot start \(script)"
        }
        let lines = (r.stdoutText + r.stderrText).split(whereSeparator: \.isNewline).map(String.init)
        let told = lines.filter { $0.contains(": made: ") || $0.contains("FAILED") || $0.contains("restarting") }
        let last = told.isEmpty ? lines.last ?? "" : told.joined(separator: " / ")
        let how = r.timedOut ? "timed out" : r.status.map { "exit \($0)" } ?? "signal \(r.signal ?? 0)"
        return "Scripts/\(URL(fileURLWithPath: script).lastPathComponent): \(how) after "
            + String(format: "%.1f", Date().timeIntervalSince(start)) + " s" + (last.isEmpty ? "" : ", \(last)")
    }
}
