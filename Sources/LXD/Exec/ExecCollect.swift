/// The output of a command run to completion with `ExecSession.collect`.
public struct ExecOutput: Sendable {
    /// The command's exit status (0–255, 128+N after signal N).
    public var status: Int
    /// Everything the command wrote to stdout.
    public var stdout: [UInt8]
    /// Everything the command wrote to stderr (empty in interactive mode).
    public var stderr: [UInt8]
    /// The final operation (its `err` says why for 126/127).
    public var operation: Operation?
}

extension ExecSession {
    /// Runs the command to completion with `input` as its stdin and returns its output
    /// and exit status: the one-call way to use exec from Swift.
    ///
    /// ```swift
    /// let client = LXDClient(remote: resolved)
    /// let out = try client.exec(instance: "c1", ExecRequest(command: ["uname", "-r"])).collect()
    /// print(out.status, String(decoding: out.stdout, as: UTF8.self))
    /// ```
    ///
    /// Output beyond `limit` bytes per stream ends the command (its top process is
    /// killed, as when a reader goes away) and throws: memory stays bounded.
    public func collect(input: [UInt8] = [], limit: Int = 64 << 20) throws(LXDError) -> ExecOutput {
        let collector = ExecCollector(limit: limit)
        let result = try run(collector.io(input: input), hooks: collector)
        return try collector.output(result)
    }
}

/// Gathers a session's stdout and stderr in memory, up to `limit` bytes each; past it
/// the command is ended (checked every loop turn) and `output` throws.
final class ExecCollector: ExecHooks {
    let limit: Int
    private var stdout: [UInt8] = []
    private var stderr: [UInt8] = []
    private var overflow = false
    private var fired = false

    init(limit: Int) {
        self.limit = limit
    }

    func io(input: [UInt8]) -> ExecIO {
        ExecIO(input: input.isEmpty ? .none : .bytes(input),
               stdout: .handler { [unowned self] in self.append($0, to: &self.stdout) },
               stderr: .handler { [unowned self] in self.append($0, to: &self.stderr) })
    }

    private func append(_ chunk: UnsafeRawBufferPointer, to bytes: inout [UInt8]) {
        if bytes.count + chunk.count > limit { overflow = true } else { bytes.append(contentsOf: chunk) }
    }

    func check() -> [ExecControlAction] {
        guard !fired, overflow else { return [] }
        fired = true
        return [.kill(reason: "output limit")]
    }

    func output(_ result: ExecResult) throws(LXDError) -> ExecOutput {
        if overflow { throw .outputLimitExceeded(limit) }
        guard let status = result.exitStatus else { throw .sessionLost("no exit status") }
        return ExecOutput(status: status, stdout: stdout, stderr: stderr, operation: result.operation)
    }
}
