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
        try attach(setupPlan(instance: instance, request))
    }
}
