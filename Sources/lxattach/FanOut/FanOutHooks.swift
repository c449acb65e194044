import Glibc
import LXD
import Terminal
import Transport

/// The loop-level hooks of a fan-out: the signal relay of a non-interactive exec
/// (`ExecTerminal`), broadcast to every session by the event loop.
///
/// SIGINT, which a single exec only forwards, counts here like SIGTERM: forwarded, and
/// a session still running `grace` later, or on a second one, is ended (the session
/// machine's rule). Once one came no more sessions are started. `check()` runs after
/// every turn of the loop: a safe point (no write in progress) where the runner
/// reports outcomes and starts queued sessions.
final class FanOutHooks: ExecHooks {
    private let terminal = ExecTerminal(interactive: false)
    private let grace: Double
    /// The first terminating signal's name ("SIGINT"), once one came.
    private(set) var interruption: String?
    /// What the first terminating signal asked of the sessions running then: for sessions
    /// whose set-up finishes later.
    private(set) var interruptionAction: ExecControlAction?
    private var interruptedAt: UInt64?
    private var count = 0
    var onCheck: () -> Void = {}

    init(grace: Double) {
        self.grace = grace
    }

    var pollDescriptor: Int32? { terminal.pollDescriptor }

    func readable() -> [ExecControlAction] {
        terminal.readable().map { action in
            var action = action
            if case .signal(SIGINT) = action { action = .terminate(signal: SIGINT, name: "SIGINT") }
            if case .terminate(_, let name) = action {
                count += 1
                if interruption == nil {
                    interruption = name
                    interruptionAction = action
                    interruptedAt = monotonicNanoseconds()
                }
            }
            return action
        }
    }

    func check() -> [ExecControlAction] {
        onCheck()
        return []
    }

    /// A write blocked on a slow local reader gives up once we are told to go away
    /// twice, or the grace after the first request passed.
    var givesUpBlockedWrites: Bool {
        guard let at = interruptedAt else { return false }
        return count >= 2 || Double(monotonicNanoseconds() &- at) / 1e9 >= grace
    }

    func restore() { terminal.restore() }
}

/// Per-session hooks: end the session whose output a sink cannot keep (`--gather`).
final class FanOutSessionHooks: ExecHooks {
    private let overflowed: () -> Bool
    private var fired = false

    init(overflowed: @escaping () -> Bool) {
        self.overflowed = overflowed
    }

    func check() -> [ExecControlAction] {
        guard !fired, overflowed() else { return [] }
        fired = true
        return [.kill(reason: "too much output to keep")]
    }
}
