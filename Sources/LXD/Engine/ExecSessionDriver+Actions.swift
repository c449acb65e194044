import HTTP
import Transport
import WebSocket

/// The machine's actions, the exit status requests, and the end of a session.
extension ExecSessionDriver {
    func perform(_ actions: [ExecAction], now: ExecInstant) {
        for action in actions where !isDone {
            switch action {
            case .send(let fd, let frame):
                guard let ch = openChannel(fd) else { continue }
                switch frame {
                case .binary(let bytes): ch.send(.binary, bytes)
                case .text(let bytes): ch.send(.text, bytes)
                case .ping(let bytes): ch.send(.ping, bytes)
                case .pong(let bytes): ch.send(.pong, bytes)
                case .close(let close): ch.send(.close, close.payload)
                }
                flush(fd, ch, now: now)
            case .closeSocket(let fd):
                closeChannel(fd)
            case .lookUpResult:
                startLookup(now: now)
            case .finish(let outcome):
                complete(outcome)
            }
        }
    }

    // MARK: - The exit status

    func readWait(now: ExecInstant) {
        guard let w = wait, let answer = completedOperation(from: w) else { return }
        wait = nil
        switch answer {
        case .success(let op): perform(machine.waitAnswered(op, now: now), now: now)
        // LXD ≥ 5.20 reports a failed operation as an error envelope.
        case .failure(let error): perform(machine.waitFailed(failureText(error), now: now), now: now)
        }
    }

    /// The operation a pending request brought, once it is complete (nil while pending).
    private func completedOperation(from pending: PendingResponse) -> Result<ExecOperationState, LXDError>? {
        let answer: Result<ExecOperationState, LXDError>
        switch pending.read() {
        case .pending:
            return nil
        case .failed(let why):
            answer = .failure(.sessionLost(why))
        case .answered(let response):
            do throws(LXDError) {
                let op = try Operation(LXDResponse.decode(response).metadata)
                note(op)
                answer = .success(ExecOperationState(op))
            } catch {
                answer = .failure(error)
            }
        }
        pending.close()
        return answer
    }

    /// `GET /1.0/operations/<id>/wait?timeout=N` on a new connection, read in the loop.
    /// When that is answered with an error envelope (LXD ≥ 5.20 and Incus answer a failed
    /// operation so), `plain` reads the operation itself at once, while it still exists.
    func startLookup(now: ExecInstant, plain: Bool = false) {
        lookup?.close()
        lookup = nil
        lookupIsPlain = plain
        let seconds = machine.configuration.resultLookup
        let client = session.client
        let path = "/1.0/operations/\(percentEncode(session.operationID))"
        let target = plain ? client.target(path)
            : client.target(path + "/wait", query: [("timeout", String(Int(seconds.rounded(.up))))])
        do {
            lookup = try client.startRequest(target, deadline: .after(seconds: seconds))
        } catch {
            perform(machine.lookupFailed(error.description, now: now), now: now)
        }
    }

    func readLookup(now: ExecInstant) {
        guard let l = lookup, let answer = completedOperation(from: l) else { return }
        lookup = nil
        switch answer {
        case .success(let op):
            perform(machine.resultLookedUp(op, now: now), now: now)
        case .failure(.api(let code, _)) where !lookupIsPlain && code != 404 && code != 403:
            startLookup(now: now, plain: true)
        case .failure(let error):
            perform(machine.lookupFailed(failureText(error), now: now), now: now)
        }
    }

    /// A transport failure's own words (not the "lost the connection" wrapper).
    private func failureText(_ error: LXDError) -> String {
        if case .sessionLost(let why) = error { return why }
        return error.description
    }

    private func note(_ op: Operation) {
        trace?("< operation \(op.status), exit status \(op.exitStatus.map(String.init) ?? "none")")
        if op.isFinal { operation = op }
    }

    // MARK: - The end

    /// Flushes what is queued (a close on control must reach the daemon), briefly,
    /// closes everything and reports.
    func complete(_ outcome: ExecOutcome) {
        guard !isDone else { return }
        isDone = true
        let deadline = Deadline.after(milliseconds: 200)
        for fd in Self.streams {
            openChannel(fd)?.flushBlocking(deadline: deadline)
        }
        session.closeAll()
        if case .shared(let reader) = io.input { reader.close() }
        wait?.close()
        lookup?.close()
        wait = nil
        lookup = nil
        switch outcome {
        case .completed(let c):
            var result = ExecResult()
            result.exitStatus = c.exitStatus
            result.operation = operation
            result.localOutputClosed = c.localOutputClosed
            result.killedReason = c.killedReason
            result.terminatedBy = c.terminatedBy
            result.timedOut = c.timedOut
            completion(.success(result))
        case .failed(let error):
            completion(.failure(LXDError(error)))
        }
    }
}

extension LXDError {
    /// The LXD-level error for a failed session: daemon errors stay `.api`, silence stays
    /// `.timedOut`, a lost status stays `.sessionLost`; the rest keep their exec type.
    init(_ error: ExecSessionError) {
        switch error {
        case .keepaliveTimedOut(let s):
            self = .timedOut("waiting for LXD: no answer to a keepalive ping for \(s) s")
        case .noExitStatus(let why):
            self = .sessionLost("no exit status: \(why)")
        case .operationFailed(let code, let message):
            self = .api(code: code, message: message)
        case .websocket, .localOutput, .aborted:
            self = .exec(error)
        }
    }
}
