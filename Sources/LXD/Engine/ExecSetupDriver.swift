import Glibc
import HTTP
import Transport

/// Moves one exec set-up's bytes for an `ExecEventLoop`: opens its connections without
/// blocking, writes and reads them, and feeds what happens to its `ExecSetupMachine`.
/// When the machine says `attached`, it hands the connections over as an `ExecSession`;
/// when it says `failed`, it closes everything. It decides nothing about the protocol.
final class ExecSetupDriver {
    let client: LXDClient
    private(set) var machine: ExecSetupMachine
    private var connections: [SetupLink: SetupConnection] = [:]
    private let onAttached: (ExecSession) -> Void
    private let onFailed: (LXDError, SetupFailureStage) -> Void
    private(set) var isDone = false
    private var buffer = [UInt8](repeating: 0, count: 16 * 1024)

    init(client: LXDClient, plan: ExecSetupPlan, now: ExecInstant,
         attached: @escaping (ExecSession) -> Void, failed: @escaping (LXDError, SetupFailureStage) -> Void) {
        self.client = client
        machine = ExecSetupMachine(plan: plan, now: now)
        onAttached = attached
        onFailed = failed
    }

    var trace: ((String) -> Void)? { client.trace }

    func start(now: ExecInstant) {
        if let trace { trace("> \(machine.plan.postDescription) (set-up: \(1 + machine.plan.sockets.count) connections at once)") }
        perform(machine.start(now: now), now: now)
    }

    /// What to poll for. A connection waiting to start its TLS handshake tries again.
    func register(_ poller: inout ExecPoller, index: Int) {
        for (link, c) in connections where c.isWaiting {
            do {
                if try c.advance() { traceConnected(link, c); perform(machine.connected(link, now: monotonicNanoseconds()), now: monotonicNanoseconds()) }
                else if let t = c.handshakingTLS { machine.handshaking(link, what: "TLS handshake with \(t.serverName)") }
            } catch {
                failLink(link, error, now: monotonicNanoseconds())
            }
        }
        for (link, c) in connections {
            let events = c.pollEvents(reading: machine.awaitsAnswer(link))
            if events != 0, c.fileDescriptor >= 0 {
                poller.add(c.fileDescriptor, events, session: index, source: .setup(link))
            }
        }
    }

    /// Bytes that wait inside TLS where poll(2) cannot see them.
    var hasBufferedInput: Bool {
        connections.contains { machine.awaitsAnswer($0.key) && ($0.value.stream?.hasBufferedInput ?? false) }
    }

    func ready(_ link: SetupLink, revents: Int16, now: ExecInstant) {
        guard !isDone, let c = connections[link] else { return }
        do {
            if !c.isOpen {
                let wasTLS = c.handshakingTLS != nil
                guard try c.advance() else {
                    if !wasTLS, let t = c.handshakingTLS { machine.handshaking(link, what: "TLS handshake with \(t.serverName)") }
                    return
                }
                traceConnected(link, c)
                return perform(machine.connected(link, now: now), now: now)
            }
            if c.hasPendingWrites { try c.flush() }
            if machine.awaitsAnswer(link) { try read(link, c, now: now) }
        } catch {
            failLink(link, error, now: now)
        }
    }

    /// Reads what TLS holds without the descriptor being readable.
    func readBuffered(now: ExecInstant) {
        for (link, c) in connections where !isDone && machine.awaitsAnswer(link) && (c.stream?.hasBufferedInput ?? false) {
            do { try read(link, c, now: now) } catch { failLink(link, error, now: now) }
        }
    }

    func tick(now: ExecInstant) {
        guard !isDone else { return }
        perform(machine.tick(now: now), now: now)
    }

    var nextDeadline: ExecInstant? { isDone ? nil : machine.nextDeadline }

    // MARK: -

    private func read(_ link: SetupLink, _ c: SetupConnection, now: ExecInstant) throws(TransportError) {
        while !isDone, machine.awaitsAnswer(link) {
            let got = buffer.withUnsafeMutableBytes { b -> Result<[UInt8]?, TransportError> in
                do throws(TransportError) { return .success(try c.read(into: b)) } catch { return .failure(error) }
            }
            guard let bytes = try got.get() else { return perform(machine.peerClosed(link, now: now), now: now) }
            if bytes.isEmpty { return }
            perform(machine.received(link, bytes, now: now), now: now)
        }
    }

    private func failLink(_ link: SetupLink, _ error: TransportError, now: ExecInstant) {
        perform(machine.failed(link, error, now: now), now: now)
    }

    private func perform(_ actions: [SetupAction], now: ExecInstant) {
        for action in actions where !isDone {
            switch action {
            case .connect(let link):
                do {
                    let c = try SetupConnection(client: client)
                    connections[link] = c
                    if c.isOpen { traceConnected(link, c); perform(machine.connected(link, now: now), now: now) }
                    else if let t = c.handshakingTLS { machine.handshaking(link, what: "TLS handshake with \(t.serverName)") }
                } catch {
                    failLink(link, error, now: now)
                }
            case .send(let link, let bytes):
                if let trace { trace(HTTPTrace.request(bytes)) }
                do { try connections[link]?.send(bytes) } catch { failLink(link, error, now: now) }
            case .answered(_, let response):
                if let trace { trace(HTTPTrace.response(response)) }
            case .close(let link):
                connections.removeValue(forKey: link)?.close()
            case .attached(let attachment):
                attach(attachment)
            case .failed(let error):
                if let trace { trace("set-up failed: \(error)") }
                finish()
                onFailed(error, machine.stage)
            }
        }
    }

    private func attach(_ a: ExecAttachment) {
        var channels: [ExecStream: WebSocketChannel] = [:]
        for (fd, leftover) in a.leftovers {
            guard let stream = connections.removeValue(forKey: .socket(fd))?.takeStream() else { continue }
            channels[fd] = WebSocketChannel(stream: stream, leftover: leftover)
            if fd == .stdin {
                // A deeper send buffer lets the daemon take stdin in larger gulps
                // (~8% more throughput measured; capped by net.core.wmem_max).
                var size: Int32 = 1 << 20
                setsockopt(stream.fileDescriptor, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            }
        }
        // The /wait went out with the POST's answer; what the socket had not taken yet (a
        // full buffer, rare for ~150 bytes) is written now, briefly, before the hand-over.
        var waitStream: (any ByteStream)?
        if a.waitSent, let rest = connections.removeValue(forKey: .rest) {
            do {
                try rest.finishWrites(deadline: .after(seconds: 1))
                waitStream = rest.takeStream()
            } catch {
                rest.close()   // the session looks the status up instead
            }
        }
        if let trace {
            trace("websockets attached: \(machine.plan.sockets.filter { channels[$0] != nil }.map(\.rawValue).joined(separator: ", "))")
        }
        finish()
        onAttached(ExecSession(operationID: a.operationID, interactive: machine.plan.interactive,
                               awaitsStatus: machine.plan.awaitsStatus, channels: channels,
                               waitStream: waitStream, client: client, location: a.location))
    }

    private func traceConnected(_ link: SetupLink, _ c: SetupConnection) {
        guard let trace, let t = c.stream as? TLSStream else { return }
        trace("TLS \(t.protocolVersion ?? "?") with \(client.addressDescription) (\(link))\(t.sessionWasReused ? ", session resumed" : "")")
    }

    private func finish() {
        isDone = true
        for (_, c) in connections { c.close() }
        connections.removeAll()
    }
}
