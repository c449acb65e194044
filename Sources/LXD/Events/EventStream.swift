#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import HTTP
import JSON
import Transport
import WebSocket

/// `GET /1.0/events` as a websocket: the daemon sends one JSON text message per event and
/// pings every 10 s (LXD 5.0). This reads continuously, answers pings, and probes a
/// daemon that has been silent for `probeAfter` seconds (gives up `probeTimeout` later).
///
/// ```swift
/// let events = try client.events(types: ["operation"])
/// while true { for event in try events.poll(timeoutMilliseconds: 1000) { print(event) } }
/// ```
/// Single-threaded, one owner. Events are given as the daemon sent them: see
/// `EventRedaction` before showing them to anyone.
public final class EventStream {
    /// Seconds of silence after which the daemon is probed with a ping.
    public var probeAfter: Double = 30
    /// Seconds the probe may go unanswered before `poll` throws.
    public var probeTimeout: Double = 15

    let stream: any ByteStream
    private var reader = WebSocketMessageReader()
    private var encoder = WebSocketFrameEncoder(role: .client)
    private var queued: [JSONValue] = []
    /// Why the stream ended, kept until the events that arrived before it are taken.
    private var ended: LXDError?
    private var lastHeard = monotonicNanoseconds()
    private var probing = false
    private var buffer = [UInt8](repeating: 0, count: 65536)

    init(stream: any ByteStream, leftover: [UInt8]) {
        self.stream = stream
        if !leftover.isEmpty { consume(leftover) }
    }

    deinit { stream.close() }

    /// Sends a close frame (best effort) and closes the connection.
    public func close() {
        let frame = encoder.close(code: .normalClosure)
        _ = try? stream.writeAll(frame, deadline: .after(seconds: 1))
        stream.close()
    }

    /// Waits up to `timeoutMilliseconds` for events and returns those that arrived (maybe
    /// none). Throws when the daemon goes away (EOF, close frame, reset), stops answering
    /// or breaks the protocol, once the events that arrived before that have been returned.
    public func poll(timeoutMilliseconds: Int) throws(LXDError) -> [JSONValue] {
        if !queued.isEmpty { return take() }
        if let ended { throw ended }
        let deadline = Deadline.after(milliseconds: timeoutMilliseconds)
        var wanted = ReadinessWanted.read
        while queued.isEmpty {
            if let ended { throw ended }
            try keepAlive()
            if !stream.hasBufferedInput {
                let wait = min(deadline.remainingMilliseconds, 1000)
                let ready: LocalWait
                do { ready = try LocalIO.wait(stream.fileDescriptor, for: wanted.pollEvents, timeoutMilliseconds: Int32(wait)) } catch {
                    throw .sessionLost("events stream: \(error)")
                }
                if ready == .interrupted { return take() }  // a signal: let the caller look
                if ready == .timedOut {
                    if deadline.remainingMilliseconds == 0 { return take() }
                    continue
                }
            }
            let result: IOResult
            do {
                result = try buffer.withUnsafeMutableBytes { raw throws(TransportError) in try stream.read(into: raw) }
            } catch {
                throw .sessionLost("events stream: \(error)")
            }
            switch result {
            case .bytes(let n):
                wanted = .read
                lastHeard = monotonicNanoseconds()
                probing = false
                consume(Array(buffer[0..<n]))
            case .wouldBlock(let w):
                wanted = w
            case .eof:
                throw .sessionLost("the daemon closed the events stream")
            }
        }
        return take()
    }

    private func take() -> [JSONValue] {
        defer { queued.removeAll() }
        return queued
    }

    /// Queues the events in `bytes`; what ends the stream (a violation, a close, an event
    /// that is not JSON) is kept in `ended`, behind the events before it.
    private func consume(_ bytes: [UInt8]) {
        var messages: [WebSocketMessage] = []
        var violation: WebSocketProtocolError?
        do { try reader.read(bytes, into: &messages) } catch { violation = error }
        do { try handle(messages) } catch {
            ended = error
            return
        }
        if let violation { ended = .protocolViolation("events stream: \(violation)") }
    }

    private func handle(_ messages: [WebSocketMessage]) throws(LXDError) {
        for message in messages {
            switch message {
            case .text(let text):
                guard let value = try? JSONValue.parse(Array(text.utf8)) else {
                    throw .protocolViolation("events stream: an event that is not JSON")
                }
                queued.append(value)
            case .binary:
                throw .protocolViolation("events stream: a binary message")
            case .ping(let payload):
                try send(encoder.pong(payload))
            case .pong:
                break
            case .close:
                _ = try? stream.writeAll(encoder.close(code: .normalClosure), deadline: .after(seconds: 1))
                throw .sessionLost("the daemon closed the events stream")
            }
        }
    }

    private func keepAlive() throws(LXDError) {
        let silent = Double(monotonicNanoseconds() &- lastHeard) / 1e9
        if silent > probeAfter + probeTimeout {
            throw .timedOut("waiting for the daemon: the events stream was silent for \(Int(silent)) s, a ping went unanswered")
        }
        if silent > probeAfter && !probing {
            probing = true
            try send(encoder.ping(Array("lxattach".utf8)))
        }
    }

    private func send(_ frame: [UInt8]) throws(LXDError) {
        do { try stream.writeAll(frame, deadline: .after(seconds: 10)) } catch {
            throw .sessionLost("events stream: \(error)")
        }
    }
}

extension LXDClient {
    /// Opens `GET /1.0/events?type=<types>` (all of this project's events, or every
    /// project's with `allProjects`) on a connection of its own.
    public func events(types: [String], allProjects: Bool = false) throws(LXDError) -> EventStream {
        let deadline = Deadline.after(seconds: timeouts.connect)
        var query: [(String, String)] = []
        if !types.isEmpty { query.append(("type", types.joined(separator: ","))) }
        if allProjects { query.append(("all-projects", "true")) }
        let conn = HTTPConnection(stream: try connect(deadline: deadline), host: hostHeader)
        conn.trace = trace
        do {
            let upgraded = try conn.upgradeToWebSocket(target: target("/1.0/events", query: query, project: !allProjects),
                                                       deadline: deadline)
            return EventStream(stream: upgraded.stream, leftover: upgraded.leftover)
        } catch {
            conn.close()
            if case .upgradeRefused(let r) = error {
                _ = try LXDResponse.decode(r)
                throw .protocolViolation("events refused: HTTP \(r.status)")
            }
            throw LXDError(error)
        }
    }
}
