import LXD

/// Where a fan-out's output goes: prefixed lines, gathered groups, JSON lines or
/// per-instance files. The runner asks for each instance's outputs when its session
/// starts and reports every instance's outcome once; sinks only format and write, the
/// exec engine decides everything about the sessions.
protocol FanOutSink: AnyObject {
    /// Instance `index`'s session is starting: its stdout and stderr. Throws (one line)
    /// when they cannot be had (an output file that cannot be created).
    func outputs(for index: Int) throws(FanOutSinkError) -> (stdout: ExecIO.Output, stderr: ExecIO.Output)
    /// Instance `index` ended (or never ran); its output has all been delivered.
    func finished(_ index: Int, _ outcome: FanOutOutcome)
    /// Everything ended: write what was kept back. Returns our own failure, if any
    /// (a local write error), as one line.
    func end() -> String?
    /// True when instance `index` produced more than the sink can keep: its session is ended.
    func overflowed(_ index: Int) -> Bool
    /// Called with a write blocked on a slow reader (see `FanOutWriter.whileBlocked`).
    var whileBlocked: () -> Bool { get set }
}

extension FanOutSink {
    func overflowed(_ index: Int) -> Bool { false }
}

struct FanOutSinkError: Error {
    var message: String
}

/// The output modes of `exec` with many instances.
enum FanOutOutputMode: Equatable {
    /// `name: line`, stdout lines on stdout and stderr lines on stderr (the default).
    case prefix
    /// `--gather`: at the end, identical results grouped under their folded names.
    case gather
    /// `--format jsonl`: one JSON object per line of output and one per instance.
    case jsonLines
    /// `--outdir DIR`: DIR/<name>.stdout, .stderr, .status.
    case outdir(String)

    /// Descriptors each running session needs on top of its sockets.
    var descriptorsPerSession: Int {
        if case .outdir = self { return 2 }
        return 0
    }
}

/// The formats of `--format`.
enum FanOutFormat: String, CaseIterable {
    case text
    case jsonl
}
