import Synchronization

/// A chunk of a running command's output, in arrival order.
public struct ExecOutputChunk: Sendable, Equatable {
    /// `.stdout` or `.stderr` (an interactive session's PTY output is `.stdout`).
    public var stream: ExecStream
    /// The bytes, as the daemon sent them.
    public var bytes: [UInt8]
}

/// A command running on the shared loop, for async callers: output as an
/// `AsyncSequence` of chunks, signals and window sizes as methods, the result awaited.
public final class AsyncExecSession: Sendable {
    /// The id of the exec's LXD operation.
    public let operationID: String
    /// stdout and stderr chunks as they arrive; it ends when the session ends. Buffered
    /// without bound: read it, or pass `.discard`-like handling by ignoring it.
    public let output: AsyncStream<ExecOutputChunk>
    private let ticket: SessionTicket
    private let outcome: Outcome

    init(operationID: String, output: AsyncStream<ExecOutputChunk>, ticket: SessionTicket, outcome: Outcome) {
        self.operationID = operationID
        self.output = output
        self.ticket = ticket
        self.outcome = outcome
    }

    /// Forwards a signal to the command's top process.
    public func signal(_ number: Int32) { ticket.send([.signal(number)]) }
    /// Tells the daemon the PTY's new size (interactive sessions).
    public func resize(columns: Int, rows: Int) { ticket.send([.resize(columns: columns, rows: rows)]) }
    /// SIGTERM, then the command is ended a grace later if it still runs.
    public func terminate() { ticket.send([.terminate(signal: 15, name: "SIGTERM")]) }
    /// Ends the command now (LXD SIGKILLs its top process).
    public func kill() { ticket.send([.kill(reason: "ended by the caller")]) }

    /// How it ended. Cancelling the awaiting task ends the command as SIGTERM does.
    public func result() async throws(LXDError) -> ExecResult {
        let ticket = self.ticket
        let outcome = self.outcome
        let r = await withTaskCancellationHandler { await outcome.value() } onCancel: { ticket.cancel() }
        return try r.get()
    }

    /// The session's end, set once on the loop's thread, awaited by any number of tasks.
    final class Outcome: Sendable {
        private let state = Mutex<(result: Result<ExecResult, LXDError>?, waiters: [CheckedContinuation<Result<ExecResult, LXDError>, Never>])>((nil, []))

        func set(_ result: Result<ExecResult, LXDError>) {
            let waiters = state.withLock { s -> [CheckedContinuation<Result<ExecResult, LXDError>, Never>] in
                s.result = result
                defer { s.waiters.removeAll() }
                return s.waiters
            }
            for w in waiters { w.resume(returning: result) }
        }

        func value() async -> Result<ExecResult, LXDError> {
            await withCheckedContinuation { c in
                let ready = state.withLock { s -> Result<ExecResult, LXDError>? in
                    if s.result == nil { s.waiters.append(c) }
                    return s.result
                }
                if let ready { c.resume(returning: ready) }
            }
        }
    }
}

extension LXDAsyncClient {
    /// Starts `request` and returns once it runs: read `output`, await `result()`.
    /// `input` is sent as it is written to the queue (`ExecInputQueue.write`, then `finish`).
    public func execStreaming(instance: String, _ request: ExecRequest, input: ExecInputQueue? = nil) async throws(LXDError) -> AsyncExecSession {
        let ticket = SessionTicket()
        let outcome = AsyncExecSession.Outcome()
        let (stream, continuation) = AsyncStream<ExecOutputChunk>.makeStream()
        let configuration = self.configuration
        let started: Result<String, LXDError> = await withCheckedContinuation { ready in
            setUp(instance, request, ticket: ticket, failed: { ready.resume(returning: .failure($0)) }) { loop, session in
                func sink(_ stream: ExecStream) -> ExecIO.Output {
                    .handler { continuation.yield(ExecOutputChunk(stream: stream, bytes: Array($0))) }
                }
                let io = ExecIO(input: input.map { .queue($0) } ?? .none, stdout: sink(.stdout), stderr: sink(.stderr))
                let id = loop.add(session, io: io, configuration: configuration) { result in
                    continuation.finish()
                    outcome.set(result)
                }
                ready.resume(returning: .success(session.operationID))
                return id
            }
        }
        return AsyncExecSession(operationID: try started.get(), output: stream, ticket: ticket, outcome: outcome)
    }

    /// An input queue whose writes wake the shared loop.
    public func makeInput(limit: Int = 1 << 20) -> ExecInputQueue {
        ExecInputQueue(limit: limit) { ExecEventLoopThread.shared.submit { _ in } }
    }

    /// Runs `request` with `input` (any async sequence of byte chunks) as its stdin.
    public func execStreaming<S: AsyncSequence & Sendable>(instance: String, _ request: ExecRequest, input: S) async throws(LXDError) -> AsyncExecSession
    where S.Element == [UInt8] {
        let queue = makeInput()
        let session = try await execStreaming(instance: instance, request, input: queue)
        Task {
            do {
                for try await chunk in input { await queue.write(chunk) }
            } catch {}
            queue.finish()
        }
        return session
    }
}
