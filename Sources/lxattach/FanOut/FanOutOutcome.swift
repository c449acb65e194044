import LXD

/// Why an instance of a fan-out could not run its command. The raw value is how the
/// summary line counts it (`1 not running: web20`).
enum FanOutFailure: String, Equatable, CaseIterable {
    case notFound = "not found"
    case notRunning = "not running"
    case unreachable
    case noMatch = "matched nothing"
    case notStarted = "not started"
    case failed

    /// What an LXD error says about the instance.
    init(_ error: LXDError) {
        switch error {
        case .api(let code, let message):
            if code == 404 || message.lowercased().contains("not found") {
                self = .notFound
            } else if message.lowercased().contains("not running") {
                self = .notRunning
            } else {
                self = .failed
            }
        case .transport:
            self = .unreachable
        default:
            self = .failed
        }
    }
}

/// How one instance of a fan-out ended.
struct FanOutOutcome: Equatable {
    enum Kind: Equatable {
        /// The command ran and exited with this status (128+N after signal N).
        case exited(Int)
        /// `--timeout` passed: counted as 124, like timeout(1).
        case timedOut
        /// It could not run (status 255).
        case failed(FanOutFailure)
    }

    var kind: Kind
    /// One line about what went wrong (`Instance is not running`, `ended the command: …`),
    /// printed as `name: Error: …`; nil when there is nothing to say.
    var message: String?

    static func exited(_ status: Int, message: String? = nil) -> FanOutOutcome {
        FanOutOutcome(kind: .exited(status), message: message)
    }

    static func failed(_ failure: FanOutFailure, _ message: String) -> FanOutOutcome {
        FanOutOutcome(kind: .failed(failure), message: message)
    }

    /// The status this instance contributes to lxattach's exit status.
    var status: Int {
        switch kind {
        case .exited(let s): return s
        case .timedOut: return 124
        case .failed: return 255
        }
    }

    var isSuccess: Bool { kind == .exited(0) }

    /// The outcome of a finished session, as the single exec reads it.
    ///
    /// A session that fails after `--timeout` passed was timed out (SIGTERM sent, the
    /// command ended a grace later): when its children keep its output open, LXD 5.0.2
    /// never reports the end, and the failure is only the consequence.
    init(_ result: Result<ExecResult, LXDError>, timeout: Double?, elapsed: Double) {
        switch result {
        case .failure(let error):
            if let timeout, elapsed >= timeout {
                self.init(kind: .timedOut, message: "timed out after \(FanOutOutcome.seconds(timeout)) s; then: \(error.description)")
            } else {
                self = .failed(FanOutFailure(error), error.description)
            }
        case .success(let r):
            if r.timedOut {
                let after = timeout.map { " after \(FanOutOutcome.seconds($0)) s" } ?? ""
                self.init(kind: .timedOut, message: "timed out\(after)" + (r.killedReason.map { "; ended the command: \($0)" } ?? ""))
            } else if let status = r.exitStatus {
                var message = r.killedReason.map { "ended the command: \($0)" }
                if message == nil, let op = r.operation, !op.err.isEmpty, status == 126 || status == 127 {
                    message = status == 127 ? "Command not found" : "Command not executable"
                }
                self.init(kind: .exited(status), message: message)
            } else {
                self = .failed(.failed, "the exit status was lost")
            }
        }
    }

    init(kind: Kind, message: String?) {
        self.kind = kind
        self.message = message
    }

    /// 5 → "5", 0.5 → "0.5".
    static func seconds(_ s: Double) -> String {
        s == s.rounded() && abs(s) < 1e9 ? String(Int(s)) : String(s)
    }
}

/// The end of a fan-out: lxattach's exit status and the summary line.
enum FanOutSummary {
    /// The highest status (clush/pdsh -S); 255 as soon as one instance could not run.
    static func exitStatus(_ outcomes: [FanOutOutcome]) -> Int32 {
        Int32(outcomes.map(\.status).max() ?? 0)
    }

    /// `18 ok, 1 exited 3: web4, 1 not running: web20`, or nil when all went well.
    static func line(_ results: [(name: String, outcome: FanOutOutcome)]) -> String? {
        guard results.contains(where: { !$0.outcome.isSuccess }) else { return nil }
        var ok = 0
        var exited: [Int: [String]] = [:]
        var timedOut: [String] = []
        var failed: [FanOutFailure: [String]] = [:]
        for (name, outcome) in results {
            switch outcome.kind {
            case .exited(0): ok += 1
            case .exited(let s): exited[s, default: []].append(name)
            case .timedOut: timedOut.append(name)
            case .failed(let f): failed[f, default: []].append(name)
            }
        }
        var parts = ["\(ok) ok"]
        for status in exited.keys.sorted() {
            parts.append("\(exited[status]!.count) exited \(status): \(NodeSet.fold(exited[status]!))")
        }
        if !timedOut.isEmpty { parts.append("\(timedOut.count) timed out: \(NodeSet.fold(timedOut))") }
        for f in FanOutFailure.allCases {
            if let names = failed[f] { parts.append("\(names.count) \(f.rawValue): \(NodeSet.fold(names))") }
        }
        return parts.joined(separator: ", ")
    }
}
