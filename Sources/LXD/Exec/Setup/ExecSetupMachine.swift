import HTTP
import JSON
import Transport

/// One exec's set-up as a pure state machine: events in (a connection is up, bytes
/// arrived, a connection ended, time passed), actions out (connect, send, close,
/// attached, failed). It never touches a socket or reads the clock; `ExecSetupDriver`
/// moves the bytes inside the event loop, so any number of set-ups overlap.
///
/// The walk, every round trip as early as it can go (lxd-exec-protocol.md §12):
/// 1. `start`: every connection at once: the REST one and one per websocket (only the
///    upgrade needs the secrets, so their TCP and TLS handshakes run while the POST is
///    in flight);
/// 2. the REST connection is up: the POST goes out;
/// 3. the POST's answer: the operation id and one secret per fd; each websocket
///    connection that is up sends its upgrade at once (the others as they come up;
///    control's always first, and over the unix socket 0/1/2 after control's answer), a
///    socket the daemon did not offer is closed, and the `/wait` for the exit status goes
///    out on the REST connection (it outlives the operation's 5-second afterlife);
/// 4. every 101 checked: `attached`, with the bytes that came after each 101.
/// A failed POST (4xx/5xx, a timeout) closes the spare connections at once: `failed`.
public struct ExecSetupMachine {
    /// What this set-up sends, and its bounds.
    public let plan: ExecSetupPlan

    enum Link {
        /// Opening (TCP, TLS).
        case connecting(SetupConnectStage)
        /// Up, nothing sent yet (a websocket waiting for the secrets).
        case open
        /// A request is out; its answer is parsed here.
        case awaiting(HTTPResponseParser)
        /// Upgraded: a websocket, with the bytes after the 101.
        case upgraded([UInt8])
        /// The `/wait` is out (REST), or the link is closed or was not needed.
        case waitSent
        case closed
    }

    private var links: [SetupLink: Link] = [:]
    /// The operation, once the POST is answered.
    private var operationID: String?
    private var location: String?
    private var secrets: [ExecStream: String] = [:]
    /// Attached or failed: no more actions.
    private(set) public var isFinished = false
    /// How far the set-up came (for a failure: may another address serve it?).
    private(set) public var stage = SetupFailureStage.connecting
    /// Deadlines (monotonic ns): each connection up; the POST answered; the upgrades answered.
    private let connectBy: ExecInstant
    private let postBy: ExecInstant
    private var attachBy: ExecInstant?

    /// A set-up of `plan` whose deadlines count from `now`.
    public init(plan: ExecSetupPlan, now: ExecInstant) {
        self.plan = plan
        connectBy = now &+ Self.nanoseconds(plan.connectSeconds)
        postBy = now &+ Self.nanoseconds(plan.postSeconds)
    }

    /// Every connection, opened at once.
    public mutating func start(now: ExecInstant) -> [SetupAction] {
        let all = [SetupLink.rest] + plan.sockets.map { SetupLink.socket($0) }
        for link in all { links[link] = .connecting(.connecting(what: plan.connectWhat)) }
        return all.map { .connect($0) }
    }

    /// The link's TCP connection is up and its TLS handshake starts (`what` names it for
    /// a timeout: "TLS handshake with vm").
    public mutating func handshaking(_ link: SetupLink, what: String) {
        if stage == .connecting { stage = .handshake }
        if case .connecting = links[link] { links[link] = .connecting(.handshaking(what: what)) }
    }

    /// The link's connection is up (TLS handshake done).
    public mutating func connected(_ link: SetupLink, now: ExecInstant) -> [SetupAction] {
        guard !isFinished, case .connecting = links[link] else { return [] }
        switch link {
        case .rest:
            stage = .request
            links[.rest] = .awaiting(HTTPResponseParser(requestMethod: "POST"))
            return [.send(.rest, plan.post)]
        case .socket(let fd):
            links[link] = .open
            return operationID == nil ? [] : upgrade(fd)
        }
    }

    /// Bytes arrived on the link.
    public mutating func received(_ link: SetupLink, _ bytes: [UInt8], now: ExecInstant) -> [SetupAction] {
        guard !isFinished, case .awaiting(var parser) = links[link] else { return [] }
        let progress: HTTPResponseParser.Progress
        do throws(HTTPError) {
            progress = try parser.parse(bytes)
        } catch {
            return fail(LXDError(error))
        }
        guard case .complete(let response, let leftover) = progress else {
            links[link] = .awaiting(parser)
            return []
        }
        return answered(link, response, leftover: leftover, now: now)
    }

    /// The peer closed the link's connection (EOF).
    public mutating func peerClosed(_ link: SetupLink, now: ExecInstant) -> [SetupAction] {
        guard !isFinished else { return [] }
        switch links[link] {
        case .awaiting(var parser):
            do throws(HTTPError) {
                let response = try parser.finish()   // a close-delimited answer, or too short
                return answered(link, response, leftover: [], now: now)
            } catch {
                return fail(LXDError(error))
            }
        case .connecting, .open:
            return lost(link, .connectionClosed("read"))
        case .upgraded, .waitSent, .closed, nil:
            return []
        }
    }

    /// Connecting, the handshake, a read or a write failed on the link.
    public mutating func failed(_ link: SetupLink, _ error: TransportError, now: ExecInstant) -> [SetupAction] {
        guard !isFinished else { return [] }
        switch links[link] {
        case .waitSent, .closed, nil: return []
        default: return lost(link, error)
        }
    }

    /// Time passed: a deadline that passed fails the set-up with its own words.
    public mutating func tick(now: ExecInstant) -> [SetupAction] {
        guard !isFinished else { return [] }
        if now >= connectBy {
            for link in [SetupLink.rest] + plan.sockets.map({ SetupLink.socket($0) }) {
                guard case .connecting(let stage) = links[link] else { continue }
                let what: String
                switch stage {
                case .connecting(let w), .handshaking(let w): what = w
                }
                let tenths = Int((plan.connectSeconds * 10).rounded())
                return fail(.timedOut("after \(tenths / 10).\(tenths % 10) s connecting to \(plan.address) (\(what))"))
            }
        }
        if operationID == nil, now >= postBy {
            return fail(.timedOut("after \(formatSeconds(plan.postSeconds)) s waiting for LXD at \(plan.address) to answer \(plan.postDescription)"))
        }
        if let attachBy, now >= attachBy {
            return fail(.timedOut("after \(formatSeconds(plan.attachSeconds)) s waiting for LXD to attach the command's websockets"))
        }
        return []
    }

    /// The next deadline to wake up for, nil when finished.
    public var nextDeadline: ExecInstant? {
        guard !isFinished else { return nil }
        var next = operationID == nil ? postBy : (attachBy ?? .max)
        if links.values.contains(where: { if case .connecting = $0 { return true } else { return false } }) {
            next = min(next, connectBy)
        }
        return next
    }

    /// Whether the driver should read the link (an answer is awaited on it).
    public func awaitsAnswer(_ link: SetupLink) -> Bool {
        if case .awaiting = links[link] { return true }
        return false
    }

    // MARK: - Answers

    private mutating func answered(_ link: SetupLink, _ response: HTTPResponse, leftover: [UInt8], now: ExecInstant) -> [SetupAction] {
        switch link {
        case .rest: return [.answered(link, response)] + postAnswered(response, now: now)
        case .socket(let fd): return [.answered(link, response)] + upgradeAnswered(fd, response, leftover: leftover)
        }
    }

    private mutating func postAnswered(_ response: HTTPResponse, now: ExecInstant) -> [SetupAction] {
        let answer: LXDResponse
        do throws(LXDError) { answer = try LXDResponse.decode(response) } catch { return fail(error) }
        guard answer.kind == .async else { return fail(.protocolViolation("exec answered without an operation")) }
        let op = answer.metadata
        guard let id = op["id"]?.stringValue, let fds = op["metadata"]?["fds"] else {
            return fail(.protocolViolation("exec operation without id or fds"))
        }
        guard fds["0"]?.stringValue != nil else { return fail(.protocolViolation("exec operation without fd 0")) }
        operationID = id
        if let where_ = op["location"]?.stringValue, where_ != "none", !where_.isEmpty { location = where_ }
        attachBy = now &+ Self.nanoseconds(plan.attachSeconds)
        var actions: [SetupAction] = []
        for fd in plan.sockets {
            if let secret = fds[fd.rawValue]?.stringValue {
                secrets[fd] = secret
                if case .open = links[.socket(fd)] { actions += upgrade(fd) }
            } else {
                // An older daemon without a control socket: attach what exists.
                links[.socket(fd)] = .closed
                actions.append(.close(.socket(fd)))
            }
        }
        if plan.awaitsStatus, response.keepAlive {
            let wait = HTTPRequest.get("/1.0/operations/\(percentEncode(id))/wait" + plan.waitQuery)
            actions.append(.send(.rest, HTTPRequestWriter.serialize(wait, host: plan.host, userAgent: plan.userAgent)))
            links[.rest] = .waitSent
        } else {
            links[.rest] = .closed
            actions.append(.close(.rest))
        }
        return actions + attachedIfComplete()
    }

    private mutating func upgradeAnswered(_ fd: ExecStream, _ response: HTTPResponse, leftover: [UInt8]) -> [SetupAction] {
        do throws(HTTPError) {
            try WebSocketUpgrade.check(response, key: plan.keys[fd] ?? "")
        } catch {
            if fd == .control, !plan.interactive {
                // Non-interactive commands run without control (old-client mode); a command
                // that finished before control attached gets here.
                links[.socket(fd)] = .closed
                return [.close(.socket(fd))] + releaseWaiting() + attachedIfComplete()
            }
            guard case .upgradeRefused(let r) = error else { return fail(LXDError(error)) }
            // The daemon's error envelope says why (e.g. 500 "permission denied").
            do throws(LXDError) {
                _ = try LXDResponse.decode(r)
                return fail(.protocolViolation("websocket \(fd.rawValue) refused: HTTP \(r.status)"))
            } catch {
                return fail(error)
            }
        }
        links[.socket(fd)] = .upgraded(leftover)
        return (fd == .control ? releaseWaiting() : []) + attachedIfComplete()
    }

    /// Control's upgrade goes out before any other, as lxc sends it: the daemon starts a
    /// non-interactive command once 0/1/2 are attached, and a command that ends at once
    /// would meet a control upgrade still on its way (LXD 5.0.2 then refuses it, and under
    /// load its handler was seen to crash the daemon on such a late connect). So 0/1/2 wait
    /// for control's connection, which opened with theirs: no round trip is added. With
    /// `controlAttachesFirst` (the unix socket) they also wait for control's answer, which
    /// closes the race entirely for one round trip; with a PTY the command needs control
    /// to start, so nothing waits for its answer.
    private var othersMayUpgrade: Bool {
        switch links[.socket(.control)] {
        case .connecting, .open: return secrets[.control] == nil
        case .awaiting: return !plan.controlAttachesFirst || plan.interactive
        default: return true
        }
    }

    private mutating func upgrade(_ fd: ExecStream) -> [SetupAction] {
        if fd != .control && !othersMayUpgrade { return [] }
        var actions = upgradeNow(fd)
        if fd == .control { actions += releaseWaiting() }
        return actions
    }

    /// The others that were up and waiting for control, once they may go.
    private mutating func releaseWaiting() -> [SetupAction] {
        guard othersMayUpgrade else { return [] }
        var actions: [SetupAction] = []
        for other in plan.sockets where other != .control {
            if case .open = links[.socket(other)] { actions += upgradeNow(other) }
        }
        return actions
    }

    private mutating func upgradeNow(_ fd: ExecStream) -> [SetupAction] {
        guard let id = operationID, let secret = secrets[fd], let key = plan.keys[fd] else { return [] }
        let target = "/1.0/operations/\(percentEncode(id))/websocket?secret=" + percentEncode(secret)
        links[.socket(fd)] = .awaiting(HTTPResponseParser(requestMethod: "GET"))
        let request = WebSocketUpgrade.request(target: target, key: key)
        return [.send(.socket(fd), HTTPRequestWriter.serialize(request, host: plan.host, userAgent: plan.userAgent))]
    }

    private mutating func attachedIfComplete() -> [SetupAction] {
        guard let id = operationID else { return [] }
        var leftovers: [ExecStream: [UInt8]] = [:]
        for fd in plan.sockets {
            switch links[.socket(fd)] {
            case .upgraded(let bytes): leftovers[fd] = bytes
            case .closed: continue
            default: return []
            }
        }
        isFinished = true
        var waitSent = false
        if case .waitSent = links[.rest] { waitSent = true }
        return [.attached(ExecAttachment(operationID: id, location: location, leftovers: leftovers, waitSent: waitSent))]
    }

    // MARK: - Failures

    /// A connection failed: before the POST's answer any loss fails the set-up; after
    /// it, control alone may be missing in non-interactive mode.
    private mutating func lost(_ link: SetupLink, _ error: TransportError) -> [SetupAction] {
        if link == .socket(.control), !plan.interactive, operationID != nil {
            let waiting = !othersMayUpgrade
            links[link] = .closed
            return [.close(link)] + (waiting ? releaseWaiting() : []) + attachedIfComplete()
        }
        return fail(.transport(error))
    }

    private mutating func fail(_ error: LXDError) -> [SetupAction] {
        isFinished = true
        return [.failed(error)]
    }

    static func nanoseconds(_ seconds: Double) -> ExecInstant {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return seconds >= 1e9 ? .max / 2 : ExecInstant(seconds * 1e9)
    }
}
