import Glibc
import LXD
import Transport

/// The local side of an exec session: raw mode for interactive sessions, window-size
/// changes and signals relayed to the remote command, and the terminal restored on
/// every way out.
///
/// Signals (lxc/exec_unix.go's list) are forwarded over the control socket. SIGTERM and
/// SIGHUP go as `.terminate`: the session machine forwards them and, if the command is
/// still running its grace later or the signal comes twice, ends the session (LXD
/// SIGKILLs the command's top process): lxattach goes away when told to, even if the
/// remote command ignores them (an interactive shell ignores SIGTERM).
public final class ExecTerminal: ExecHooks {
    public let interactive: Bool
    private let relay: SignalRelay
    private var rawMode: RawMode?
    private let sizeSource: Int32
    private var lastSize: WindowSize?

    /// - Parameters:
    ///   - interactive: the session has a PTY; raw mode applies when stdin is a terminal.
    ///   - stdin: local input descriptor (raw mode target).
    ///   - sizeSource: the terminal whose size is sent (stdout, as lxc does).
    public init(interactive: Bool, stdin: Int32 = 0, sizeSource: Int32 = 1) {
        self.interactive = interactive
        self.sizeSource = sizeSource
        var signals = SignalRelay.forwardedSignals + [SIGALRM]
        if interactive { signals.append(SIGWINCH) }
        relay = SignalRelay(signals: signals)
        if interactive { rawMode = RawMode(fileDescriptor: stdin) }
        lastSize = WindowSize.of(fileDescriptor: sizeSource)
        // A heartbeat: SIGALRM every second interrupts a write(2) blocked on a stalled
        // local reader (handlers have no SA_RESTART), so the loop still serves signals
        // and deadlines. Without it `lxattach exec c -- yes | sleep 100` could not end.
        var beat = itimerval(it_interval: timeval(tv_sec: 1, tv_usec: 0), it_value: timeval(tv_sec: 1, tv_usec: 0))
        setitimer(__itimer_which_t(ITIMER_REAL.rawValue), &beat, nil)
    }

    /// Restores the terminal and the signal dispositions; idempotent.
    public func restore() {
        var off = itimerval()
        setitimer(__itimer_which_t(ITIMER_REAL.rawValue), &off, nil)
        rawMode?.restore()
        rawMode = nil
        relay.uninstall()
    }

    deinit { restore() }

    public var pollDescriptor: Int32? { relay.fileDescriptor }

    public func readable() -> [ExecControlAction] {
        var actions: [ExecControlAction] = []
        for sig in relay.drain() {
            switch sig {
            case SIGALRM:
                continue  // the heartbeat: it only interrupts a blocked write
            case SIGWINCH:
                if let size = WindowSize.of(fileDescriptor: sizeSource), size != lastSize {
                    lastSize = size
                    actions.append(.resize(columns: size.columns, rows: size.rows))
                }
            case SIGTERM, SIGHUP:
                actions.append(.terminate(signal: sig, name: signalName(sig)))
            default:
                actions.append(.signal(sig))
            }
        }
        return actions
    }
}

/// "SIGTERM" for 15, etc.
public func signalName(_ sig: Int32) -> String {
    let names: [Int32: String] = [
        SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGABRT: "SIGABRT", SIGKILL: "SIGKILL",
        SIGUSR1: "SIGUSR1", SIGUSR2: "SIGUSR2", SIGPIPE: "SIGPIPE", SIGTERM: "SIGTERM", SIGCONT: "SIGCONT",
        SIGTSTP: "SIGTSTP", SIGTTIN: "SIGTTIN", SIGTTOU: "SIGTTOU", SIGWINCH: "SIGWINCH",
    ]
    return names[sig] ?? "signal \(sig)"
}
