// The daemons of the test bed that the integration tests need alive, where each one
// writes its panics, and which of the test bed's scripts brings it back.
import Foundation

struct TestbedDaemon: Sendable, Equatable {
    /// Short name, for the loud line and the restart record: `lxd`, `incus`, `node1`…
    let name: String
    /// Its unix socket (`GET /1.0` there says whether it lives).
    let socket: String
    /// The files its panics and fatal errors go to (a Go panic goes to stderr).
    let logs: [String]
    /// The idempotent test bed script that checks it and restarts it when dead.
    let script: String

    /// The repository's Scripts/ folder (this file is Tests/IntegrationTests/Support/…).
    static let scripts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Scripts").path

    /// Every daemon of Scripts/testbed: the main LXD, Incus, the cluster's three members.
    /// Scripts/testbed restarts the main LXD and checks everything else after it.
    static let all: [TestbedDaemon] = [
        TestbedDaemon(name: "lxd", socket: Testbed.socket, logs: [Testbed.directory + "/lxd.log"],
                      script: scripts + "/testbed"),
        TestbedDaemon(name: "incus", socket: Testbed.incusSocket, logs: [Testbed.directory + "/incusd.log"],
                      script: scripts + "/testbed-incus"),
    ] + ClusterBed.members.map {
        TestbedDaemon(name: $0.name, socket: $0.folder + "/unix.socket", logs: [$0.folder + "/lxd.out", $0.folder + "/lxd.log"],
                      script: scripts + "/testbed-cluster")
    }

    /// The last line that says it crashed (a Go `panic:`, `fatal error:` or fatal signal,
    /// or a log entry at level fatal/crit) of the first of its logs that has one. Only each log's
    /// last 256 KiB are read.
    func lastPanicLine() -> String? {
        for log in logs {
            guard let handle = FileHandle(forReadingAtPath: log) else { continue }
            defer { try? handle.close() }
            let size = (try? handle.seekToEnd()) ?? 0
            try? handle.seek(toOffset: size > 262_144 ? size - 262_144 : 0)
            let text = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
            if let line = text.split(whereSeparator: \.isNewline).last(where: Self.isPanic) {
                return String(line.prefix(300))
            }
        }
        return nil
    }

    static func isPanic(_ line: Substring) -> Bool {
        line.hasPrefix("panic: ") || line.hasPrefix("fatal error: ") || isFatalSignal(line)
            || line.contains("level=fatal") || line.contains("level=panic") || line.contains("lvl=crit")
    }

    /// The Go runtime's line for a fatal signal: `SIGSEGV: segmentation violation`,
    /// `SIGABRT: abort`…
    private static func isFatalSignal(_ line: Substring) -> Bool {
        guard line.hasPrefix("SIG"), let colon = line.firstIndex(of: ":") else { return false }
        return line[..<colon].allSatisfy { $0.isUppercase || $0.isNumber } && line[colon...].hasPrefix(": ")
    }
}
