import Glibc
import HTTP
import JSON
import Transport
import WebSocket

/// A started exec: the operation, its attached websockets, and a pending
/// `GET /1.0/operations/<id>/wait` that will carry the exit status.
///
/// Created by `LXDClient.exec(instance:_:)`; driven by `run(_:)` or an `ExecEventLoop`.
///
/// Every property is a constant. `@unchecked Sendable` because the channels and the wait
/// stream are I/O objects that are not thread-safe; what guards them: one thread drives a
/// session at a time. The thread that made it hands it over whole (to `run(_:)` on its own
/// thread, or to an `ExecEventLoop` through `ExecEventLoopThread.submit`, whose queue lock
/// orders the hand-over) and does not touch the channels after; `closeAll()` is for the
/// driving thread too. The client and the other constants are `Sendable`.
public final class ExecSession: @unchecked Sendable {
    /// The id of the exec's LXD operation.
    public let operationID: String
    /// Whether the command runs on a PTY.
    public let interactive: Bool
    /// An exec reports its command's status; a console has none.
    public let awaitsStatus: Bool
    /// fd "0" (in interactive mode it carries the PTY both ways), "1", "2", "control".
    public let channels: [ExecStream: WebSocketChannel]
    /// The connection on which the `wait` request is outstanding.
    let waitStream: (any ByteStream)?
    let client: LXDClient
    /// The cluster member the command runs on (the operation's `location`); nil when the
    /// server is not clustered.
    public let location: String?

    init(operationID: String, interactive: Bool, awaitsStatus: Bool = true, channels: [ExecStream: WebSocketChannel],
         waitStream: (any ByteStream)?, client: LXDClient, location: String? = nil) {
        self.location = location
        self.operationID = operationID
        self.interactive = interactive
        self.awaitsStatus = awaitsStatus
        self.channels = channels
        self.waitStream = waitStream
        self.client = client
    }

    /// Closes every socket. Closing the control socket makes LXD SIGKILL the command's
    /// top process (not its children); call this only to abandon a session.
    public func closeAll() {
        for (_, channel) in channels { channel.close() }
        waitStream?.close()
    }
}

extension LXDClient {
    /// Starts `request` in `instance` and attaches to it, blocking until attached.
    ///
    /// Walk (`ExecSetupMachine`, run on a loop of its own): every connection opened at
    /// once (the REST one and one per websocket) → `POST /1.0/instances/<name>/exec`
    /// with `wait-for-websocket: true` → the operation id and one secret per fd → each
    /// upgrade sent as soon as its connection is up (the daemon starts the command only
    /// when fds 0/1/2, or 0 and control when interactive, are attached, and fails the
    /// operation after 5 s) → the `wait` request goes out on the POST's connection, so
    /// the exit status survives the operation's 5-second afterlife. To overlap many
    /// set-ups, use `ExecEventLoop.start` instead.
    public func exec(instance: String, _ request: ExecRequest) throws(LXDError) -> ExecSession {
        let loop = ExecEventLoop()
        var outcome: Result<ExecSession, LXDError>?
        loop.start(self, instance: instance, request, attached: { outcome = .success($0) }, failed: { outcome = .failure($0) })
        try loop.run()
        guard let outcome else { throw .sessionLost("the set-up ended without an outcome") }
        return try outcome.get()
    }

    /// Attaches the websockets of an operation that offers them (`metadata.fds`): control
    /// first, as lxc does (the daemon starts an exec once 0/1/2 are attached, and a
    /// command that ends at once must not leave control unattached), all upgrades in
    /// flight at once; with `awaitsStatus`, the `wait` request for the exit status goes
    /// out on the POST's kept-alive connection, so the status survives the operation's
    /// 5-second afterlife. `postConnection` is the connection that carried the POST: it
    /// carries the `wait`, or goes back to the client.
    func attach(_ response: LXDResponse, interactive: Bool, awaitsStatus: Bool, deadline: Deadline,
                postConnection: HTTPConnection) throws(LXDError) -> ExecSession {
        var postConnection: HTTPConnection? = postConnection
        defer { if let postConnection { checkIn(postConnection) } }
        guard response.kind == .async else {
            throw .protocolViolation("exec answered without an operation")
        }
        let op = response.metadata
        guard let id = op["id"]?.stringValue, let fds = op["metadata"]?["fds"] else {
            throw .protocolViolation("exec operation without id or fds")
        }
        // Control first, as lxc does: the daemon starts the command once 0/1/2 are attached,
        // and a command that ends at once must not leave control unattached.
        var wanted: [ExecStream] = interactive ? [.control, .stdin] : [.control, .stdin, .stdout, .stderr]
        // Older daemons may not offer a control socket; attach what exists.
        wanted = wanted.filter { fds[$0.rawValue]?.stringValue != nil }
        guard wanted.contains(.stdin) else { throw .protocolViolation("exec operation without fd 0") }

        // Phase 1: connect (TLS handshakes side by side) and send every upgrade request.
        var pending: [(ExecStream, HTTPConnection, PendingWebSocketUpgrade)] = []
        var failure: LXDError?
        var streams: [any ByteStream] = []
        do { streams = try connectMany(wanted.count, deadline: deadline) } catch { failure = error }
        for (fd, stream) in zip(wanted, streams) where failure == nil {
            let secret = fds[fd.rawValue]!.stringValue!
            let path = "/1.0/operations/\(percentEncode(id))/websocket"
            do throws(LXDError) {
                let conn = HTTPConnection(stream: stream, host: hostHeader)
                conn.trace = trace
                do throws(HTTPError) {
                    let key = try conn.startWebSocketUpgrade(target: path + "?secret=" + percentEncode(secret), deadline: deadline)
                    pending.append((fd, conn, key))
                } catch {
                    conn.close()
                    throw LXDError(error)
                }
            } catch {
                failure = error
                break
            }
        }
        // The exit status: a wait on the POST's connection, sent now, read by the event loop.
        var waitStream: (any ByteStream)? = nil
        if failure == nil, awaitsStatus, let conn = postConnection, conn.isReusable {
            postConnection = nil
            let req = HTTPRequest.get(target("/1.0/operations/\(percentEncode(id))/wait", query: [("timeout", "-1")]))
            if (try? conn.stream.writeAll(HTTPRequestWriter.serialize(req, host: hostHeader, userAgent: conn.userAgent), deadline: deadline)) != nil {
                waitStream = conn.stream
                if let trace { trace("> GET \(redactSecrets(req.target)) (exit status)") }
            } else {
                conn.close()
            }
        }
        // Phase 2: collect the answers.
        var channels: [ExecStream: WebSocketChannel] = [:]
        for (fd, conn, key) in pending {
            if failure != nil { conn.close(); continue }
            do throws(HTTPError) {
                let upgraded = try conn.finishWebSocketUpgrade(key, deadline: deadline)
                channels[fd] = WebSocketChannel(stream: upgraded.stream, leftover: upgraded.leftover)
                if fd == .stdin {
                    // A deeper send buffer lets the daemon take stdin in larger gulps
                    // (~8% more throughput measured; capped by net.core.wmem_max).
                    var size: Int32 = 1 << 20
                    setsockopt(upgraded.stream.fileDescriptor, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
                }
            } catch {
                conn.close()
                if fd == .control, !interactive {
                    // Non-interactive commands run without control (old-client mode); a
                    // command that finished before control attached gets here.
                    continue
                }
                if case .upgradeRefused(let r) = error {
                    // The daemon's error envelope says why (e.g. 500 "permission denied").
                    do throws(LXDError) {
                        _ = try LXDResponse.decode(r)
                        failure = .protocolViolation("websocket \(fd.rawValue) refused: HTTP \(r.status)")
                    } catch {
                        failure = error
                    }
                } else {
                    failure = LXDError(error)
                }
            }
        }
        trace?("websockets attached: \(wanted.filter { channels[$0] != nil }.map(\.rawValue).joined(separator: ", "))")
        if let failure {
            for (_, c) in channels { c.close() }
            waitStream?.close()
            throw failure
        }
        return ExecSession(operationID: id, interactive: interactive, awaitsStatus: awaitsStatus, channels: channels,
                           waitStream: waitStream, client: self)
    }
}
