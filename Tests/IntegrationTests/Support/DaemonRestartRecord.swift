// The record of the daemon watchdog's restarts: one line per restart, appended to a file
// in the test bed's folder, which Scripts/test reads for its closing summary
// ("daemon restarts: N (lxd after ConsoleTests, …)").
//
// A line is tab-separated: UTC time, run id (LXATTACH_RUN_ID, set by Scripts/test; else
// pid-<this process>), daemon, the class that ran last, the class about to run, how the
// daemon was found, its last panic line (or -), and the outcome (`back` or `still dead: …`).
import Foundation

#if canImport(Glibc)
import Glibc
#endif

struct DaemonRestartRecord: Equatable {
    var daemon: String
    var lastClass: String
    var nextClass: String
    var found: String
    var panic: String?
    var outcome: String

    /// Where Scripts/test looks (Docs/testing.md).
    static let file = Testbed.directory + "/daemon-restarts.log"

    /// This run's id: Scripts/test sets LXATTACH_RUN_ID so that its summary counts its own
    /// run's restarts only (several worktrees share the test bed).
    static let runID = ProcessInfo.processInfo.environment["LXATTACH_RUN_ID"] ?? "pid-\(getpid())"

    /// The line, without its newline; tabs and newlines in the fields become spaces.
    func line(runID: String, at date: Date = Date()) -> String {
        let time = ISO8601DateFormatter().string(from: date)
        return [time, runID, daemon, lastClass, nextClass, found, panic ?? "-", outcome]
            .map { $0.map { $0 == "\t" || $0.isNewline ? " " : $0 }.reduce(into: "") { $0.append($1) } }
            .joined(separator: "\t")
    }

    /// Appends the line to `file` in one write (O_APPEND: lines of runs side by side do
    /// not interleave). Returns false when the file cannot be written.
    @discardableResult
    func append(to file: String = DaemonRestartRecord.file, runID: String = DaemonRestartRecord.runID) -> Bool {
        let bytes = Array((line(runID: runID) + "\n").utf8)
        let fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, bytes, bytes.count) == bytes.count
    }
}
