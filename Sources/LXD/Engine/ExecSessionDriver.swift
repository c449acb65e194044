import Transport
import WebSocket

/// Moves one session's bytes for an `ExecEventLoop`: decodes its websockets and feeds
/// the events to its `ExecSessionMachine`, reads local input, writes output to the
/// sinks, performs the machine's actions. It decides nothing about the protocol.
final class ExecSessionDriver {
    let id: ExecSessionID
    let session: ExecSession
    /// Unchecked exclusivity: one thread drives it, and the dynamic check on every
    /// mutating call was a measurable part of a loop turn.
    @exclusivity(unchecked) var machine: ExecSessionMachine
    let io: ExecIO
    let hooks: ExecHooks?
    let completion: (Result<ExecResult, LXDError>) -> Void
    unowned let loop: ExecEventLoop
    var wait: PendingResponse?
    var lookup: PendingResponse?
    /// The lookup in flight is a plain `GET` of the operation, not a `/wait`.
    var lookupIsPlain = false
    var operation: Operation?
    /// The session's websockets by `ExecStream.index` (looked up several times a turn),
    /// and which of them we closed.
    private let channels: [WebSocketChannel?]
    private var closed = [Bool](repeating: false, count: ExecStream.allCases.count)
    /// How much of in-memory input was sent.
    private var inputOffset = 0
    var isDone = false

    /// Input read per frame: with the frame's 14-byte header, exactly 8 full TLS records
    /// of 16 KiB (128 KiB of payload made a ninth record of 14 bytes: one more record to
    /// seal and one more send(2) per frame).
    static let inputChunk = 128 * 1024 - WebSocketFrameEncoder.maxHeaderLength

    /// `ExecStream.allCases` once (the synthesized property builds a new array per call).
    static let streams = ExecStream.allCases

    init(id: ExecSessionID, session: ExecSession, io: ExecIO, hooks: ExecHooks?, configuration: ExecSessionMachine.Configuration,
         loop: ExecEventLoop, now: ExecInstant, completion: @escaping (Result<ExecResult, LXDError>) -> Void) {
        self.id = id
        self.session = session
        self.io = io
        self.hooks = hooks
        self.loop = loop
        self.completion = completion
        var byIndex = [WebSocketChannel?](repeating: nil, count: Self.streams.count)
        for (fd, ch) in session.channels { byIndex[fd.index] = ch }
        channels = byIndex
        wait = session.waitStream.map { PendingResponse(stream: $0) }
        machine = ExecSessionMachine(
            interactive: session.interactive, attached: Set(session.channels.keys), hasInput: io.hasInput,
            waitPending: wait != nil, awaitsStatus: session.awaitsStatus, configuration: configuration, now: now)
    }

    var trace: ((String) -> Void)? { session.client.trace }

    /// The websocket for `fd`, if attached.
    func channel(_ fd: ExecStream) -> WebSocketChannel? { channels[fd.index] }
    /// The websocket for `fd` if attached and not closed by us.
    func openChannel(_ fd: ExecStream) -> WebSocketChannel? { closed[fd.index] ? nil : channels[fd.index] }
    /// Closes `fd`'s websocket (flushing briefly what is queued); later frames for it are dropped.
    func closeChannel(_ fd: ExecStream) {
        guard let ch = openChannel(fd) else { return }
        ch.flushBlocking(deadline: .after(milliseconds: 100))
        ch.close()
        closed[fd.index] = true
    }

    /// The first actions, and the bytes that arrived with the 101 answers.
    func start(now: ExecInstant) {
        if !io.hasInput { trace?("> fd 0: end of input") }
        perform(machine.start(now: now), now: now)
        for fd in Self.streams {
            guard !isDone, let ch = channel(fd) else { continue }
            var actions: [ExecAction] = []
            do throws(WebSocketProtocolError) {
                try ch.decodeBuffered { self.handle($0, on: fd, now: now, into: &actions) }
                perform(actions, now: now)
            } catch {
                perform(actions, now: now)
                perform(machine.receivedInvalidFrame(on: fd, error: error, now: now), now: now)
            }
        }
    }

    // MARK: - Polling

    /// What to poll for this session.
    func register(_ poller: inout ExecPoller, index: Int) {
        if let fd = io.inputFD, machine.acceptsInput, channel(.stdin)?.isReadyForInput == true {
            poller.add(fd, ReadinessWanted.read.pollEvents, session: index, source: .input)
        }
        if case .shared(let reader) = io.input, reader.wantsRead, machine.acceptsInput,
           channel(.stdin)?.isReadyForInput == true {
            poller.add(reader.source.fileDescriptor, ReadinessWanted.read.pollEvents, session: index, source: .input)
        }
        for fd in Self.streams {
            guard let ch = openChannel(fd) else { continue }
            let events = ch.pollEvents
            if events != 0 { poller.add(ch.fileDescriptor, events, session: index, source: .channel(fd)) }
        }
        if let wait { poller.add(wait.fileDescriptor, ReadinessWanted.read.pollEvents, session: index, source: .wait) }
        if let lookup { poller.add(lookup.fileDescriptor, ReadinessWanted.read.pollEvents, session: index, source: .lookup) }
        if let fd = hooks?.pollDescriptor { poller.add(fd, ReadinessWanted.read.pollEvents, session: index, source: .hooks) }
    }

    /// True when bytes wait inside a stream where poll(2) cannot see them (TLS).
    var hasBufferedInput: Bool {
        for fd in Self.streams {
            if openChannel(fd)?.hasBufferedInput == true { return true }
        }
        return wait?.hasBufferedInput == true || lookup?.hasBufferedInput == true
    }

    /// Work that needs no readiness: in-memory input as fast as the socket takes it.
    func beforePoll(now: ExecInstant) {
        if case .shared(let reader) = io.input { return sendShared(reader, now: now) }
        if case .queue(let queue) = io.input, let ch = channel(.stdin) {
            while !isDone, machine.acceptsInput, ch.isReadyForInput {
                switch queue.take(max: Self.inputChunk) {
                case .bytes(let bytes):
                    bytes.withUnsafeBytes { ch.prepareInput($0) }
                    sendPreparedInput(ch, now: now)
                case .ended:
                    perform(inputEnded(now: now), now: now)
                    return
                case .empty:
                    return
                }
            }
            return
        }
        guard case .bytes(let data) = io.input, let ch = channel(.stdin) else { return }
        while !isDone, machine.acceptsInput, ch.isReadyForInput {
            guard inputOffset < data.count else {
                perform(inputEnded(now: now), now: now)
                return
            }
            let end = min(data.count, inputOffset + Self.inputChunk)
            data.withUnsafeBytes { ch.prepareInput(UnsafeRawBufferPointer(rebasing: $0[inputOffset..<end])) }
            inputOffset = end
            sendPreparedInput(ch, now: now)
        }
    }

    /// A polled descriptor is ready.
    func ready(_ source: ExecPoller.Source, revents: Int16, now: ExecInstant) {
        guard !isDone else { return }
        switch source {
        case .input: readInput(now: now)
        case .wait: readWait(now: now)
        case .lookup: readLookup(now: now)
        case .hooks: if let hooks { control(hooks.readable(), now: now) }
        case .setup: break  // the loop hands these to the set-ups
        case .channel(let fd):
            guard let ch = openChannel(fd) else { return }
            if revents & ReadinessWanted.write.pollEvents != 0 { flush(fd, ch, now: now) }
            if revents & ~ReadinessWanted.write.pollEvents != 0 || ch.hasBufferedInput { readChannel(fd, ch, now: now) }
        }
    }

    /// Reads what TLS (or a stopped decode) holds without the descriptor being readable.
    func readBuffered(now: ExecInstant) {
        for fd in Self.streams where !isDone {
            if let ch = openChannel(fd), ch.hasBufferedInput { readChannel(fd, ch, now: now) }
        }
        if !isDone, wait?.hasBufferedInput == true { readWait(now: now) }
        if !isDone, lookup?.hasBufferedInput == true { readLookup(now: now) }
    }

    /// Time passes; `readingSockets` is false while a local write is blocked.
    func tick(now: ExecInstant, readingSockets: Bool = true) {
        guard !isDone else { return }
        if let hooks { control(hooks.check(), now: now) }
        perform(machine.tick(now: now, readingSockets: readingSockets), now: now)
    }

    /// Requests of the local side (a signal, a resize, a kill).
    func control(_ actions: [ExecControlAction], now: ExecInstant) {
        for action in actions where !isDone {
            perform(machine.perform(action, now: now), now: now)
        }
    }

    // MARK: - Websockets

    private func readChannel(_ fd: ExecStream, _ ch: WebSocketChannel, now: ExecInstant) {
        var actions: [ExecAction] = []
        let outcome: WebSocketChannel.ReadOutcome
        do throws(WebSocketProtocolError) {
            outcome = try ch.read { self.handle($0, on: fd, now: now, into: &actions) }
        } catch {
            perform(actions, now: now)
            perform(machine.receivedInvalidFrame(on: fd, error: error, now: now), now: now)
            return
        }
        if outcome.receivedBytes { machine.receivedBytes(on: fd, now: now) }
        perform(actions, now: now)
        if outcome.ended { perform(machine.receivedEOF(on: fd, now: now), now: now) }
    }

    /// One decoded event; returns false to stop decoding (the session ended).
    private func handle(_ event: WebSocketDecoderEvent, on fd: ExecStream, now: ExecInstant, into actions: inout [ExecAction]) -> Bool {
        switch event {
        case .data(let chunk):
            if chunk.kind == .text {
                if chunk.isMessageEnd {
                    trace?("< fd \(fd.rawValue): end of stream")
                    actions += machine.receivedBarrier(on: fd, now: now)
                }
            } else if case .deliver(let target) = machine.receivedData(on: fd) {
                actions += deliver(chunk.bytes, from: fd, to: target, now: now)
                // A slow reader held us in the write: the output's silence counts from
                // here, not from the read (the drain and keepalive rules).
                machine.receivedBytes(on: fd, now: monotonicNanoseconds())
            }
        case .ping(let payload): actions += machine.receivedPing(on: fd, payload: payload, now: now)
        case .pong(let payload): actions += machine.receivedPong(on: fd, payload: payload, now: now)
        case .close(let frame): actions += machine.receivedClose(on: fd, frame: frame, now: now)
        }
        return !machine.isFinished
    }

    /// Writes output to its sink. A blocked write to a local descriptor lets the loop
    /// serve signals and deadlines; it is abandoned once the machine drops this output.
    private func deliver(_ bytes: UnsafeRawBufferPointer, from fd: ExecStream, to target: ExecStream, now: ExecInstant) -> [ExecAction] {
        defer { io.outputObserver?.observe(bytes, to: target) }
        switch io.output(target) {
        case .discard:
            return []
        case .handler(let handle):
            handle(bytes)
            return []
        case .fd(let out):
            let r = LocalIO.writeAll(out, bytes) {
                self.loop.serviceWhileBlocked()
                return !self.isDone && self.machine.receivedData(on: fd) != .discard
            }
            switch r {
            case .written, .abandoned: return []
            case .readerGone: return machine.localOutputClosed(now: monotonicNanoseconds())
            case .failed(let e):
                return machine.localOutputFailed(target, errno: e, message: errnoString(e), now: monotonicNanoseconds())
            }
        }
    }

    func flush(_ fd: ExecStream, _ ch: WebSocketChannel, now: ExecInstant) {
        ch.flush()
        if ch.writeFailed { perform(machine.writeFailed(on: fd, now: now), now: now) }
    }

    // MARK: - Local input

    /// Shared input: what this session's reader has not sent yet, then its end.
    private func sendShared(_ reader: ExecSharedInput.Reader, now: ExecInstant) {
        guard let ch = channel(.stdin) else { return }
        while !isDone, machine.acceptsInput, ch.isReadyForInput {
            if reader.isAtEnd { return perform(inputEnded(now: now), now: now) }
            guard reader.take(maxCount: Self.inputChunk, { ch.prepareInput($0) }) > 0 else { return }
            sendPreparedInput(ch, now: now)
        }
    }

    private func readInput(now: ExecInstant) {
        if case .shared(let reader) = io.input {
            // More for every reader; each sends its part in its own `beforePoll`.
            if reader.wantsRead { reader.source.fill(maxCount: Self.inputChunk) }
            return
        }
        guard let fd = io.inputFD, let ch = channel(.stdin), machine.acceptsInput, ch.isReadyForInput else { return }
        switch ch.prepareInput(readingFrom: fd, maxCount: Self.inputChunk) {
        case .bytes:
            guard let filter = io.inputFilter else { return sendPreparedInput(ch, now: now) }
            switch filter.filter(ch.preparedInput) {
            case .send:
                sendPreparedInput(ch, now: now)
            case .replace(let bytes):
                bytes.withUnsafeBytes { ch.prepareInput($0) }
                if !bytes.isEmpty { sendPreparedInput(ch, now: now) }
            case .detach(let bytes):
                bytes.withUnsafeBytes { ch.prepareInput($0) }
                if !bytes.isEmpty { sendPreparedInput(ch, now: now) }
                control([.kill(reason: "detached")], now: now)
            }
        case .eof, .failed: perform(inputEnded(now: now), now: now)
        case .again: break
        }
    }

    private func sendPreparedInput(_ ch: WebSocketChannel, now: ExecInstant) {
        guard machine.receivedInput(lastByte: ch.preparedLastByte) else {
            ch.discardPreparedInput()
            return
        }
        ch.sendPreparedInput()
        if ch.writeFailed { perform(machine.writeFailed(on: .stdin, now: now), now: now) }
    }

    private func inputEnded(now: ExecInstant) -> [ExecAction] {
        let actions = machine.inputEnded(now: now)
        if !actions.isEmpty { trace?("> fd 0: end of input") }
        return actions
    }
}
