/// The output of a command run to completion with `ExecSession.collect`.
public struct ExecOutput: Sendable {
    /// The command's exit status (0–255, 128+N after signal N).
    public var status: Int
    public var stdout: [UInt8]
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
        final class Sink {
            var bytes: [UInt8] = []
            var overflow = false
        }
        let out = Sink()
        let err = Sink()
        func append(_ sink: Sink) -> (UnsafeRawBufferPointer) -> Void {
            { chunk in
                if sink.bytes.count + chunk.count > limit {
                    sink.overflow = true
                } else {
                    sink.bytes.append(contentsOf: chunk)
                }
            }
        }
        let io = ExecIO(input: input.isEmpty ? .none : .bytes(input), stdout: .handler(append(out)), stderr: .handler(append(err)))
        let result = try run(io, hooks: OverflowHook(out: { out.overflow || err.overflow }))
        if out.overflow || err.overflow {
            throw .outputLimitExceeded(limit)
        }
        guard let status = result.exitStatus else { throw .sessionLost("no exit status") }
        return ExecOutput(status: status, stdout: out.bytes, stderr: err.bytes, operation: result.operation)
    }
}

/// Ends the command once the collected output overflowed (checked every loop turn).
private final class OverflowHook: ExecHooks {
    let overflowed: () -> Bool
    private var fired = false

    init(out overflowed: @escaping () -> Bool) {
        self.overflowed = overflowed
    }

    func check() -> [ExecControlAction] {
        guard !fired, overflowed() else { return [] }
        fired = true
        return [.kill(reason: "output limit")]
    }
}
