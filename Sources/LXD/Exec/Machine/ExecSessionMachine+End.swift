/// The exit status, the local side's requests, time, and the end of the session.
extension ExecSessionMachine {
    // MARK: - The exit status

    /// The `/wait` request answered with the operation.
    public mutating func waitAnswered(_ operation: ExecOperationState, now: ExecInstant) -> [ExecAction] {
        guard !isFinished, !isResultKnown else { return [] }
        if operation.isFinal {
            result = .known(operation, at: now)
            return evaluate(now)
        }
        // Not final although we waited without a timeout: ask again.
        result = .lookingUp(since: now, lastError: nil)
        return [.lookUpResult]
    }

    /// The `/wait` request failed (cut connection, error envelope — LXD ≥ 5.20 reports a
    /// failed operation that way —, unreadable answer): look the operation up now.
    public mutating func waitFailed(_ reason: String, now: ExecInstant) -> [ExecAction] {
        guard !isFinished, !isResultKnown else { return [] }
        if case .lookingUp = result { return [] }
        result = .lookingUp(since: now, lastError: reason)
        return [.lookUpResult]
    }

    /// A lookup's answer. Not final: the command still runs; the output's end decides.
    public mutating func resultLookedUp(_ operation: ExecOperationState, now: ExecInstant) -> [ExecAction] {
        guard !isFinished, case .lookingUp(_, let lastError) = result else { return [] }
        if operation.isFinal {
            result = .known(operation, at: now)
            return evaluate(now)
        }
        if outputFinished || allSocketsGone {
            return finish(.failed(.noExitStatus("the operation is still running")))
        }
        result = .awaiting(waitPending: false, lastError: lastError)
        return evaluate(now)
    }

    /// A lookup failed (daemon gone, timeout, error).
    public mutating func lookupFailed(_ reason: String, now: ExecInstant) -> [ExecAction] {
        guard !isFinished, case .lookingUp(_, let lastError) = result else { return [] }
        if outputFinished || allSocketsGone {
            return finish(.failed(.noExitStatus(lastError ?? reason)))
        }
        result = .awaiting(waitPending: false, lastError: lastError ?? reason)
        return evaluate(now)
    }

    var isResultKnown: Bool {
        if case .known = result { return true }
        return false
    }

    // MARK: - The local side

    /// A request of the local side (signal relay, window, caller).
    public mutating func perform(_ action: ExecControlAction, now: ExecInstant) -> [ExecAction] {
        guard !isFinished else { return [] }
        switch action {
        case .signal(let number):
            return sendControl(ExecControlMessage.signal(number))
        case .resize(let columns, let rows):
            guard interactive else { return [] }  // ignored by LXD without a PTY (§3)
            return sendControl(ExecControlMessage.windowResize(columns: columns, rows: rows))
        case .terminate(let number, let name):
            switch termination {
            case .running:
                termination = .requested(signal: number, name: name, at: now)
                return sendControl(ExecControlMessage.signal(number))
            case .requested:
                completion.terminatedBy = number
                return kill("received \(name) twice", now: now)
            case .killed:
                return []
            }
        case .kill(let reason):
            return kill(reason, now: now)
        }
    }

    /// Local output is gone (EPIPE: `| head`): end the command and the session at once.
    public mutating func localOutputClosed(now: ExecInstant) -> [ExecAction] {
        guard !isFinished else { return [] }
        completion.localOutputClosed = true
        let actions = endCommand(now: now)
        return actions + [finishCompleted()]
    }

    /// Writing local output failed otherwise (ENOSPC, EIO): end the command and fail.
    public mutating func localOutputFailed(_ fd: ExecStream, errno: Int32, message: String, now: ExecInstant) -> [ExecAction] {
        guard !isFinished else { return [] }
        let actions = endCommand(now: now)
        return actions + finish(.failed(.localOutput(fd, errno: errno, message: message)))
    }

    func sendControl(_ json: [UInt8]) -> [ExecAction] {
        canSendData(on: .control) ? [.send(.control, .text(json))] : []
    }

    mutating func kill(_ reason: String, now: ExecInstant) -> [ExecAction] {
        guard !termination.isKilled else { return [] }
        completion.killedReason = reason
        return endCommand(now: now) + evaluate(now)
    }

    /// Closing control makes LXD SIGKILL the top process. Without control (non-interactive,
    /// not attached or already gone), closing fd 0 at least ends its input.
    mutating func endCommand(now: ExecInstant) -> [ExecAction] {
        guard !termination.isKilled else { return [] }
        termination = .killed(at: now)
        input = .closed
        if canSendData(on: .control) { return close(.control) }
        return close(.stdin)
    }

    // MARK: - Time

    /// Time passes. `readingSockets` is false while the driver is blocked writing local
    /// output: then the silence of the sockets is ours, not the daemon's, and only the
    /// local side's deadlines (timeout, grace) apply.
    public mutating func tick(now: ExecInstant, readingSockets: Bool = true) -> [ExecAction] {
        guard !isFinished else { return [] }
        var actions: [ExecAction] = []
        if let timeout = configuration.timeout, !completion.timedOut, case .running = termination,
           Self.seconds(startedAt, now) >= timeout {
            completion.timedOut = true
            termination = .requested(signal: 15, name: "SIGTERM", at: now)
            actions += sendControl(ExecControlMessage.signal(15))
        }
        if case .requested(let number, let name, let at) = termination,
           Self.seconds(at, now) >= configuration.terminationGrace {
            let grace = Self.formatSeconds(configuration.terminationGrace)
            if completion.timedOut {
                actions += kill("the command did not end within \(grace) s of SIGTERM (timeout)", now: now)
            } else {
                completion.terminatedBy = number
                actions += kill("the session did not end within \(grace) s of \(name)", now: now)
            }
        }
        guard readingSockets, !isFinished else { return actions }
        if let sent = probeSentAt {
            if Self.seconds(sent, now) >= configuration.probeTimeout, lastActivity <= sent {
                return actions + finish(.failed(.keepaliveTimedOut(seconds: Int(configuration.probeTimeout))))
            }
        } else if Self.seconds(lastActivity, now) >= configuration.probeAfter, let fd = probeSocket {
            var s = sockets[fd.index]!
            let action = s.connection.sendPing(Self.probePayload)
            sockets[fd.index] = s
            probeSentAt = now
            actions += perform(action, on: fd)
        }
        return actions + evaluate(now)
    }

    /// Where a keepalive probe goes: a socket still open both ways that the daemon reads,
    /// control first; else stdout, whose reader in LXD answers a ping (stderr's, before
    /// LXD 6.2, does not exist: a ping there would only turn its close into a reset).
    var probeSocket: ExecStream? {
        if canSendData(on: .control) { return .control }
        if daemonReads(.stdin), canSendData(on: .stdin) { return .stdin }
        return canSendData(on: .stdout) ? .stdout : nil
    }

    /// The next instant at which `tick` has something to decide, if any.
    public var nextDeadline: ExecInstant? {
        guard !isFinished else { return nil }
        // The earliest of the instants below (asked every turn of the loop: no array).
        var deadlines = Earliest()
        func after(_ from: ExecInstant, _ seconds: Double) -> ExecInstant {
            from &+ ExecInstant(max(0, seconds) * 1e9)
        }
        if let timeout = configuration.timeout, !completion.timedOut, case .running = termination {
            deadlines.append(after(startedAt, timeout))
        }
        switch termination {
        case .requested(_, _, let at): deadlines.append(after(at, configuration.terminationGrace))
        case .killed(let at): deadlines.append(after(at, configuration.resultLookup))
        case .running: break
        }
        if let sent = probeSentAt {
            deadlines.append(after(sent, configuration.probeTimeout))
        } else if probeSocket != nil {
            deadlines.append(after(lastActivity, configuration.probeAfter))
        }
        switch result {
        case .known(_, let at): deadlines.append(after(max(at, lastActivity), configuration.drainAfterFinal))
        case .lookingUp(let since, _): deadlines.append(after(since, 2 * configuration.resultLookup + 5))
        case .awaiting(let waitPending, _):
            if waitPending, let gone = allGoneAt { deadlines.append(after(gone, configuration.drainAfterFinal)) }
            if waitPending, let ended = outputEndedAt { deadlines.append(after(ended, configuration.statusAfterOutput)) }
        }
        return deadlines.instant
    }

    private struct Earliest {
        var instant: ExecInstant?
        mutating func append(_ t: ExecInstant) { instant = min(instant ?? t, t) }
    }

    // MARK: - The end

    /// Every output stream ended (missing ones count as ended).
    var outputFinished: Bool {
        func ended(_ fd: ExecStream) -> Bool { sockets[fd.index]?.outputEnded ?? true }
        return interactive ? ended(.stdin) : ended(.stdout) && ended(.stderr)
    }

    /// No socket can bring anything more.
    var allSocketsGone: Bool {
        sockets.allSatisfy { $0?.gone ?? true }
    }

    /// Applies the end-of-session rules after any change.
    mutating func evaluate(_ now: ExecInstant) -> [ExecAction] {
        guard !isFinished else { return [] }
        if allGoneAt == nil, allSocketsGone { allGoneAt = now }
        if outputEndedAt == nil, outputFinished { outputEndedAt = now }
        if !awaitsStatus {
            // A console: over when its output is (detached, instance stopped), or a while
            // after we ended it if the daemon does not close it.
            var endedLongAgo = false
            if case .killed(let at) = termination { endedLongAgo = Self.seconds(at, now) >= configuration.resultLookup }
            return outputFinished || allSocketsGone || endedLongAgo ? [finishCompleted()] : []
        }
        switch result {
        case .known(_, let at):
            // Output normally ends first or soon after; newer LXD drops what background
            // children write after the main process, so do not wait for it forever. The
            // drain time counts from the last bytes received: slow local output must
            // not cut a stream that is still flowing.
            if outputFinished || allSocketsGone
                || Self.seconds(max(at, lastActivity), now) >= configuration.drainAfterFinal {
                return [finishCompleted()]
            }
        case .awaiting(let waitPending, let lastError):
            // Without the wait, the end of the output (or of every socket) asks. With it,
            // the daemon answers as it closes the sockets; one that has not a drain time
            // after every socket went away is not trusted to.
            // Nor one whose sockets stay open long after the output ended (a socket the
            // daemon leaves dangling would otherwise hold the session for ever).
            let waitOverdue = (allGoneAt.map { Self.seconds($0, now) >= configuration.drainAfterFinal } ?? false)
                || (outputEndedAt.map { Self.seconds($0, now) >= configuration.statusAfterOutput } ?? false)
            if (!waitPending && (outputFinished || allSocketsGone)) || (waitPending && waitOverdue) {
                result = .lookingUp(since: now, lastError: lastError)
                return [.lookUpResult]
            }
        case .lookingUp(let since, let lastError):
            if Self.seconds(since, now) >= 2 * configuration.resultLookup + 5 {
                return finish(.failed(.noExitStatus(lastError ?? "the daemon did not answer")))
            }
        }
        if case .killed(let at) = termination, Self.seconds(at, now) >= configuration.resultLookup {
            // We closed control; LXD should have ended everything by now.
            if isResultKnown { return [finishCompleted()] }
            return finish(.failed(.noExitStatus("the command was ended but LXD did not report its end")))
        }
        return []
    }

    /// Completes the session with what is known (the operation's status when known).
    mutating func finishCompleted() -> ExecAction {
        if case .known(let op, _) = result {
            completion.operation = op
            completion.exitStatus = op.exitStatus
            if op.exitStatus == nil, !completion.localOutputClosed {
                isFinished = true
                let message = op.err.isEmpty ? "the exec operation ended (\(op.status)) without an exit status" : op.err
                return .finish(.failed(.operationFailed(statusCode: op.statusCode, message: message)))
            }
        } else if !completion.localOutputClosed, awaitsStatus {
            isFinished = true
            return .finish(.failed(.noExitStatus("the exit status was lost")))
        }
        isFinished = true
        return .finish(.completed(completion))
    }

    mutating func finish(_ outcome: ExecOutcome) -> [ExecAction] {
        guard !isFinished else { return [] }
        isFinished = true
        return [.finish(outcome)]
    }

    static func formatSeconds(_ s: Double) -> String {
        s == s.rounded() ? String(Int(s)) : String(s)
    }
}
