import LXD

/// `--gather` (clush -b): output is kept until the end, then instances with identical
/// stdout, stderr and status are printed once, under their names folded into a node
/// set (`web[1-20]`):
///
/// ```
/// ---------------
/// web[1-18,20]
/// ---------------
///  10:00:01 up 3 days, …
/// ---------------
/// web19 (exit 3)
/// ---------------
/// …
/// ```
/// Each group's stdout goes to stdout, its stderr to stderr (under the same header; a
/// group with only stderr has its header on stderr alone).
/// Output is kept in memory: past `limit` bytes for one instance its command is ended.
final class GatherSink: FanOutSink {
    struct Kept {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var outcome: FanOutOutcome?
        var overflow = false
    }

    private let names: [String]
    private var kept: [Kept]
    private let limit: Int
    private let out: FanOutWriter
    private let err: FanOutWriter
    var whileBlocked: () -> Bool = { true } {
        didSet {
            out.whileBlocked = whileBlocked
            err.whileBlocked = whileBlocked
        }
    }

    init(names: [String], limit: Int = 64 << 20, stdout: Int32 = 1, stderr: Int32 = 2) {
        self.names = names
        self.limit = limit
        kept = Array(repeating: Kept(), count: names.count)
        out = FanOutWriter(fd: stdout)
        err = FanOutWriter(fd: stderr)
    }

    func outputs(for index: Int) -> (stdout: ExecIO.Output, stderr: ExecIO.Output) {
        (.handler { [unowned self] in self.keep($0, index: index, stderr: false) },
         .handler { [unowned self] in self.keep($0, index: index, stderr: true) })
    }

    private func keep(_ chunk: UnsafeRawBufferPointer, index: Int, stderr: Bool) {
        guard !kept[index].overflow else { return }
        if kept[index].stdout.count + kept[index].stderr.count + chunk.count > limit {
            kept[index].overflow = true
        } else if stderr {
            kept[index].stderr.append(contentsOf: chunk)
        } else {
            kept[index].stdout.append(contentsOf: chunk)
        }
    }

    func overflowed(_ index: Int) -> Bool { kept[index].overflow }

    func finished(_ index: Int, _ outcome: FanOutOutcome) {
        var outcome = outcome
        if kept[index].overflow {
            outcome.message = "more than \(limit >> 20) MiB of output to gather; the command was ended"
                + (outcome.message.map { " (\($0))" } ?? "")
            if outcome.kind == .exited(0) { outcome.kind = .failed(.failed) }
        }
        kept[index].outcome = outcome
    }

    /// The groups, in the order of their first instance.
    static func groups(_ kept: [Kept]) -> [[Int]] {
        struct Key: Hashable {
            var stdout: [UInt8]
            var stderr: [UInt8]
            var status: Int
            var message: String?
        }
        var order: [Key] = []
        var members: [Key: [Int]] = [:]
        for (i, k) in kept.enumerated() {
            guard let o = k.outcome else { continue }
            let key = Key(stdout: k.stdout, stderr: k.stderr, status: o.status, message: o.message)
            if members[key] == nil { order.append(key) }
            members[key, default: []].append(i)
        }
        return order.map { members[$0]! }
    }

    /// The header line of a group: its folded names and how it ended, when not 0.
    static func title(_ names: String, _ outcome: FanOutOutcome) -> String {
        var title = names
        switch outcome.kind {
        case .exited(0): break
        case .exited(let s): title += " (exit \(s))"
        case .timedOut: title += " (timed out: 124)"
        case .failed(let f): title += " (\(f.rawValue))"
        }
        if let m = outcome.message { title += ": Error: " + oneLine(m) }
        return title
    }

    func end() -> String? {
        let rule = "---------------\n"
        for members in Self.groups(kept) {
            let first = kept[members[0]]
            let header = rule + Self.title(NodeSet.fold(members.map { names[$0] }), first.outcome!) + "\n" + rule
            // The header goes with the output: on stdout unless there is only stderr.
            if !first.stdout.isEmpty || first.stderr.isEmpty {
                out.append(header)
                out.append(first.stdout)
                if first.stdout.last.map({ $0 != 10 }) ?? false { out.append(byte: 10) }
                out.flush()
            }
            if !first.stderr.isEmpty {
                err.append(header)
                err.append(first.stderr)
                if first.stderr.last != 10 { err.append(byte: 10) }
                err.flush()
            }
        }
        return out.failureMessage ?? err.failureMessage
    }
}
