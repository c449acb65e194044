import Glibc
import HTTP
import JSON
import Transport

/// Where the exec's streams come from and go to locally.
public struct ExecIO {
    /// The command's input.
    public enum Input {
        /// None: the end of input is sent at once (`-n`).
        case none
        /// Read from a file descriptor until EOF (the CLI's stdin).
        case fd(Int32)
        /// These bytes, then the end of input.
        case bytes([UInt8])
    }

    /// Where output goes.
    public enum Output {
        /// Written to a file descriptor (blocking writes: backpressure reaches the daemon).
        case fd(Int32)
        /// Handed to a closure, chunk by chunk, as it arrives (valid during the call).
        case handler((UnsafeRawBufferPointer) -> Void)
        /// Dropped.
        case discard
    }

    public var input: Input
    public var stdout: Output
    /// Unused in interactive sessions (the PTY merges stderr into stdout).
    public var stderr: Output

    public init(input: Input, stdout: Output, stderr: Output) {
        self.input = input
        self.stdout = stdout
        self.stderr = stderr
    }

    /// File descriptors, as the CLI uses them; `stdin: nil` means no input.
    public init(stdin: Int32? = 0, stdout: Int32 = 1, stderr: Int32 = 2) {
        self.init(input: stdin.map { .fd($0) } ?? .none, stdout: .fd(stdout), stderr: .fd(stderr))
    }

    /// The input descriptor to poll, if any.
    var inputFD: Int32? {
        if case .fd(let fd) = input { return fd }
        return nil
    }
}

/// What a hook asks the pump to do.
public enum ExecControlAction: Sendable, Equatable {
    /// Forward a signal over the control socket (`kill(pid, sig)` of the top process).
    case signal(Int32)
    /// Tell the daemon the PTY's new size.
    case resize(columns: Int, rows: Int)
    /// End the command now: the control socket is closed, LXD SIGKILLs the top process.
    case kill(reason: String)
}

/// An extra file descriptor for the pump to watch (the signal self-pipe); when it is
/// readable the pump calls `readable()` and performs the returned actions.
public protocol ExecHooks: AnyObject {
    var fileDescriptor: Int32 { get }
    func readable() -> [ExecControlAction]
    /// Called about once a second; for deadlines such as "kill if still running".
    func tick() -> [ExecControlAction]
}

/// How an exec ended.
public struct ExecResult: Sendable {
    /// The command's exit status (`metadata.return`): 0–255, 128+N after signal N.
    public var exitStatus: Int?
    /// The final operation, when it was obtained.
    public var operation: Operation?
    /// Local stdout (or stderr) went away (EPIPE); the command was killed.
    public var localOutputClosed = false
    /// Set when the pump killed the command (`ExecControlAction.kill`).
    public var killedReason: String?
}

/// Limits of the pump.
public struct ExecPumpConfiguration: Sendable {
    /// After this much silence on every socket we ping the control socket...
    public var probeAfter: Double = 30
    /// ...and give up when nothing at all arrives for this long after the probe.
    public var probeTimeout: Double = 15
    /// Once the operation is final, how long to wait for output still in flight.
    public var drainAfterFinal: Double = 3
    /// After the daemon closed every socket without a result, how long to try
    /// `GET /1.0/operations/<id>`.
    public var resultLookup: Double = 5
    public init() {}
}

extension ExecSession {
    /// Moves bytes until the command ends and returns its status. One thread, one
    /// poll(2) loop over local stdin, every websocket, the wait request and `hooks`.
    ///
    /// Non-interactive: stdin → fd 0 as binary messages, local EOF → one empty text
    /// message (LXD's barrier); fd 1 → stdout, fd 2 → stderr until the daemon's empty
    /// text message; nothing is ever written on fds 1 and 2. Interactive: fd 0 both ways;
    /// local EOF sends Ctrl-D (a text frame would make 5.0.2 close the PTY, see the
    /// protocol notes §4); the daemon's empty text message on fd 0 is answered with a
    /// close frame at once (else the operation never ends).
    public func run(_ io: ExecIO, hooks: ExecHooks? = nil, configuration: ExecPumpConfiguration = ExecPumpConfiguration()) throws(LXDError) -> ExecResult {
        var pump = Pump(session: self, io: io, hooks: hooks, configuration: configuration)
        return try pump.run()
    }
}

private let stdinChunk = 128 * 1024

private struct Pump {
    let session: ExecSession
    let io: ExecIO
    let hooks: ExecHooks?
    let configuration: ExecPumpConfiguration

    var stdinOpen: Bool
    var lastStdinByte: UInt8 = 10
    /// How much of in-memory input was sent.
    var inputOffset = 0
    var outputDone: [ExecStream: Bool] = [:]
    var final: Operation?
    var finalAt: UInt64 = 0
    var waitParser = HTTPResponseParser(requestMethod: "GET")
    var waitOpen: Bool
    /// Why the wait request failed, if it did.
    var waitError: String?
    var result = ExecResult()
    var probeSentAt: UInt64?
    var killed = false
    var killedAt: UInt64 = 0
    var lastTick: UInt64 = monotonicNanoseconds()

    init(session: ExecSession, io: ExecIO, hooks: ExecHooks?, configuration: ExecPumpConfiguration) {
        self.session = session
        self.io = io
        self.hooks = hooks
        self.configuration = configuration
        if case .none = io.input { stdinOpen = false } else { stdinOpen = true }
        waitOpen = session.waitStream != nil
        if session.interactive {
            outputDone[.stdin] = false
        } else {
            outputDone[.stdout] = session.channels[.stdout] == nil
            outputDone[.stderr] = session.channels[.stderr] == nil
        }
    }

    var outputFinished: Bool { !outputDone.values.contains(false) }

    mutating func run() throws(LXDError) -> ExecResult {
        if !stdinOpen { sendStdinEOF() }
        // Bytes that arrived with the 101 answers.
        for (fd, ch) in session.channels {
            try decodeInitial(fd, ch)
        }
        flushAll()

        while true {
            let now = monotonicNanoseconds()
            if outputFinished, final != nil { break }
            if outputFinished, final == nil, !waitOpen {
                // The wait request failed or was cut: ask for the operation directly.
                do {
                    final = try lookUpResult()
                } catch {
                    throw .sessionLost("no exit status: \(waitError ?? error.description)")
                }
                if final == nil { throw .sessionLost("no exit status: the operation is still running") }
                break
            }
            if final != nil, now - finalAt > UInt64(configuration.drainAfterFinal * 1e9) {
                // Output still open after the operation ended (newer LXD drops what
                // background children write later anyway).
                break
            }
            if allSocketsGone {
                if final == nil {
                    do {
                        final = try lookUpResult()
                    } catch {
                        throw .sessionLost(waitError ?? error.description)
                    }
                    if final == nil { throw .sessionLost("the operation is still running") }
                }
                break
            }
            if killed, now - killedAt > UInt64(configuration.resultLookup * 1e9) {
                break
            }
            try checkLiveness(now)

            var fds: [pollfd] = []
            var kinds: [Source] = []
            if stdinOpen, let ch0 = session.channels[.stdin], !ch0.hasPendingOutput, !ch0.closeSent, !ch0.writeFailed {
                if let fd = io.inputFD {
                    fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
                    kinds.append(.stdin)
                } else {
                    sendInputBytes(ch0)  // in-memory input: as fast as the socket takes it
                }
            }
            for fd in ExecStream.allCases {
                guard let ch = session.channels[fd], !ch.readEOF else { continue }
                var events = Int16(POLLIN)
                let moreInput = fd == .stdin && stdinOpen && io.inputFD == nil  // in-memory input left
                if ch.hasPendingOutput || ch.readWantsWrite || moreInput { events |= Int16(POLLOUT) }
                fds.append(pollfd(fd: ch.fileDescriptor, events: events, revents: 0))
                kinds.append(.channel(fd))
            }
            if waitOpen, let ws = session.waitStream {
                fds.append(pollfd(fd: ws.fileDescriptor, events: Int16(POLLIN), revents: 0))
                kinds.append(.wait)
            }
            if let hooks {
                fds.append(pollfd(fd: hooks.fileDescriptor, events: Int16(POLLIN), revents: 0))
                kinds.append(.hooks)
            }
            // TLS may hold decrypted bytes poll cannot see.
            let buffered = session.channels.values.contains { !$0.readEOF && $0.hasBufferedInput }
                || (waitOpen && session.waitStream?.hasBufferedInput == true)
            let timeout: Int32 = buffered ? 0 : 1000
            let n = fds.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), timeout) }
            if n < 0, errno != EINTR { throw .protocolViolation("poll failed: \(errnoString(errno))") }

            if monotonicNanoseconds() - lastTick >= 1_000_000_000 {
                lastTick = monotonicNanoseconds()
                if let hooks { perform(hooks.tick()) }
            }
            for (i, kind) in kinds.enumerated() {
                let revents = fds[i].revents
                switch kind {
                case .hooks:
                    if revents != 0, let hooks { perform(hooks.readable()) }
                case .stdin:
                    if revents != 0 { readStdin() }
                case .wait:
                    if revents != 0 { try readWait() }
                case .channel(let fd):
                    guard let ch = session.channels[fd] else { continue }
                    if revents & Int16(POLLOUT) != 0 { ch.flush() }
                    if revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 || ch.hasBufferedInput {
                        try readChannel(fd, ch)
                    }
                }
            }
            if buffered {
                for fd in ExecStream.allCases {
                    if let ch = session.channels[fd], !ch.readEOF, ch.hasBufferedInput { try readChannel(fd, ch) }
                }
                if waitOpen, session.waitStream?.hasBufferedInput == true { try readWait() }
            }
            if result.localOutputClosed { return finishBrokenPipe() }
            flushAll()
        }
        // Done: the daemon has closed (non-interactive) or we answered its barrier.
        for (_, ch) in session.channels { ch.flushBlocking(deadline: .after(milliseconds: 200)) }
        session.closeAll()
        result.operation = final
        result.exitStatus = final?.exitStatus
        if result.exitStatus == nil, let final {
            if !final.err.isEmpty { throw .api(code: final.statusCode, message: final.err) }
            throw .protocolViolation("the exec operation ended (\(final.status)) without an exit status")
        }
        if result.exitStatus == nil { throw .protocolViolation("the exit status was lost") }
        return result
    }

    enum Source { case stdin, wait, hooks, channel(ExecStream) }

    var allSocketsGone: Bool {
        session.channels.values.allSatisfy { $0.readEOF } && !waitOpen
    }

    mutating func flushAll() {
        for (_, ch) in session.channels where ch.hasPendingOutput { ch.flush() }
    }

    // MARK: stdin

    mutating func readStdin() {
        guard let fd = io.inputFD, let ch = session.channels[.stdin] else { return }
        switch ch.sendBinary(readingFrom: fd, maxCount: stdinChunk) {
        case .sent(let last): lastStdinByte = last
        case .eof: sendStdinEOF()
        case .again, .blocked: break
        }
    }

    mutating func sendStdinEOF() {
        stdinOpen = false
        session.client.trace?("> fd 0: end of input")
        guard let ch = session.channels[.stdin] else { return }
        if session.interactive {
            // Ctrl-D ends a line-discipline read; a second one is needed when the last
            // line has no newline (the first only flushes it).
            let eof: [UInt8] = lastStdinByte == 10 || lastStdinByte == 13 ? [4] : [4, 4]
            ch.sendBinary(eof)
        } else {
            ch.sendBarrier()
        }
        ch.flush()
    }

    // MARK: websockets

    mutating func decodeInitial(_ fd: ExecStream, _ ch: WebSocketChannel) throws(LXDError) {
        do {
            try ch.decodeBuffered { event in try self.handle(fd, ch, event) }
        } catch let e as LXDError { throw e } catch let e as ChannelError {
            throw .protocolViolation(e.description)
        } catch {
            throw .protocolViolation("\(error)")
        }
    }

    mutating func readChannel(_ fd: ExecStream, _ ch: WebSocketChannel) throws(LXDError) {
        do {
            let open = try ch.readEvents { event in try self.handle(fd, ch, event) }
            if !open {
                // EOF: the daemon ended this stream (non-interactive end of session).
                if outputDone[fd] == false { outputDone[fd] = true }
            }
        } catch let e as LXDError {
            throw e
        } catch let e as ChannelError {
            session.closeAll()
            throw .protocolViolation(e.description)
        } catch let e as LocalOutputClosed {
            _ = e
            result.localOutputClosed = true
        } catch {
            throw .protocolViolation("\(error)")
        }
        probeSentAt = nil
    }

    struct LocalOutputClosed: Error {}

    mutating func handle(_ fd: ExecStream, _ ch: WebSocketChannel, _ event: WebSocketChannel.Event) throws {
        switch event {
        case .data(let bytes, let text, let messageEnd):
            if text {
                // A text message is the end-of-stream barrier, whatever it holds.
                if messageEnd { barrier(fd, ch) }
                return
            }
            // Once we ended the command, output is dropped: a stalled local reader must
            // not hold us in write(2).
            if killed { return }
            switch fd {
            case .stdout: try deliver(io.stdout, bytes)
            case .stderr: try deliver(io.stderr, bytes)
            case .stdin where session.interactive: try deliver(io.stdout, bytes)
            default: break  // the daemon never sends data on control / non-interactive fd 0
            }
        case .close:
            if outputDone[fd] == false { outputDone[fd] = true }
        }
    }

    mutating func barrier(_ fd: ExecStream, _ ch: WebSocketChannel) {
        guard outputDone[fd] == false else { return }
        outputDone[fd] = true
        session.client.trace?("< fd \(fd.rawValue): end of stream")
        if session.interactive, fd == .stdin {
            // The command is gone; LXD waits for us to end fd 0 before it sets `return`.
            stdinOpen = false
            ch.sendClose(code: 1000)
            ch.flush()
        }
    }

    mutating func deliver(_ output: ExecIO.Output, _ bytes: UnsafeRawBufferPointer) throws {
        switch output {
        case .fd(let fd): try writeLocal(fd, bytes)
        case .handler(let handle): handle(bytes)
        case .discard: break
        }
    }

    /// Sends the next chunk of in-memory input, or the end of input after the last.
    mutating func sendInputBytes(_ ch: WebSocketChannel) {
        guard case .bytes(let data) = io.input else { return }
        if inputOffset < data.count {
            let end = min(data.count, inputOffset + stdinChunk)
            data.withUnsafeBytes { _ = ch.send(opcode: .binary, payload: UnsafeRawBufferPointer(rebasing: $0[inputOffset..<end])) }
            lastStdinByte = data[end - 1]
            inputOffset = end
            ch.flush()
        } else {
            sendStdinEOF()
        }
    }

    /// Writes all of `bytes` to a local descriptor, blocking (local stdout is not ours to
    /// make non-blocking: the flag would leak to the shell that shares it). Signals
    /// interrupt the write (no SA_RESTART) and are handled in between.
    mutating func writeLocal(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n > 0 { offset += n; continue }
            let e = errno
            if e == EINTR {
                if let hooks {
                    perform(hooks.readable())
                    perform(hooks.tick())
                }
                if killed { return }
                continue
            }
            if e == EAGAIN {
                var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&p, 1, 1000)
                if let hooks { perform(hooks.tick()) }
                if killed { return }
                continue
            }
            // EPIPE and friends: nobody reads our output any more.
            throw LocalOutputClosed()
        }
    }

    /// Local output went away (`| head -c 10`): end the command (closing the control
    /// socket makes LXD SIGKILL its top process) and report it.
    mutating func finishBrokenPipe() -> ExecResult {
        session.channels[.control]?.sendClose(code: 1000)
        session.channels[.control]?.flushBlocking(deadline: .after(milliseconds: 100))
        session.closeAll()
        return result
    }

    // MARK: control

    mutating func perform(_ actions: [ExecControlAction]) {
        for action in actions {
            switch action {
            case .signal(let sig):
                session.channels[.control]?.sendText("{\"command\":\"signal\",\"args\":{},\"signal\":\(sig)}")
            case .resize(let columns, let rows):
                // Width and height must be JSON strings (§3): numbers are silently ignored.
                session.channels[.control]?.sendText(
                    "{\"command\":\"window-resize\",\"args\":{\"width\":\"\(columns)\",\"height\":\"\(rows)\"},\"signal\":0}")
            case .kill(let reason):
                guard !killed else { continue }
                killed = true
                killedAt = monotonicNanoseconds()
                result.killedReason = reason
                stdinOpen = false
                if let control = session.channels[.control] {
                    control.sendClose(code: 1000)
                } else {
                    session.channels[.stdin]?.sendClose(code: 1000)
                }
            }
        }
        flushAll()
    }

    // MARK: the exit status

    mutating func readWait() throws(LXDError) {
        guard let ws = session.waitStream else { return }
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var eof = false
        let r: IOResult
        do {
            r = try buffer.withUnsafeMutableBytes { try ws.read(into: $0) }
        } catch {
            waitOpen = false
            return
        }
        var progress: HTTPResponseParser.Progress = .needMore
        do {
            switch r {
            case .bytes(let n):
                progress = try waitParser.parse(Array(buffer[0..<n]))
            case .wouldBlock:
                return
            case .eof:
                eof = true
                if waitParser.isReadingUntilClose { progress = .complete(try waitParser.finish(), leftover: []) }
            }
        } catch {
            waitOpen = false
            return
        }
        if case .complete(let response, _) = progress {
            waitOpen = false
            ws.close()
            do {
                let op = try Operation(LXDResponse.decode(response).metadata)
                if op.isFinal {
                    setFinal(op)
                } else {
                    setFinal(try lookUpResult())
                }
            } catch {
                // LXD ≥ 5.20 reports a failed operation as an error envelope: read it now.
                // If that fails too, the streams go on; the end of the session decides.
                if let op = try? lookUpResult() { setFinal(op) } else { waitError = error.description }
            }
        } else if eof {
            waitOpen = false
        }
    }

    mutating func setFinal(_ op: Operation?) {
        guard let op, final == nil else { return }
        session.client.trace?("< operation \(op.status), exit status \(op.exitStatus.map(String.init) ?? "none")")
        final = op
        finalAt = monotonicNanoseconds()
    }

    /// `GET /1.0/operations/<id>` (waiting briefly if it is still running).
    func lookUpResult() throws(LXDError) -> Operation? {
        let client = session.client
        let saved = client.timeouts
        client.timeouts.request = configuration.resultLookup
        client.timeouts.connect = configuration.resultLookup
        defer { client.timeouts = saved }
        let op = try client.operations.wait(session.operationID, timeout: configuration.resultLookup)
        return op.isFinal ? op : nil
    }

    // MARK: liveness

    mutating func checkLiveness(_ now: UInt64) throws(LXDError) {
        let last = session.channels.values.map(\.lastReceived).max() ?? now
        let silence = Double(now &- last) / 1e9
        if let sent = probeSentAt {
            if Double(now &- sent) / 1e9 > configuration.probeTimeout, last < sent {
                session.closeAll()
                throw .timedOut("waiting for LXD: no answer to a keepalive ping for \(Int(configuration.probeTimeout)) s")
            }
        } else if silence > configuration.probeAfter {
            probeSentAt = now
            (session.channels[.control] ?? session.channels[.stdin])?.sendPing(Array("lxattach".utf8))
            flushAll()
        }
    }
}
