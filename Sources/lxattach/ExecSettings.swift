import Glibc
import LXD

/// The options of one exec as plain values: what `ExecBasics` parses, and what exec's
/// fast path (`ExecFastPath`) fills in by hand. Running the exec starts here.
struct ExecSettings {
    var mode: ExecMode = .auto
    var forceInteractive = false
    var forceNoninteractive = false
    var disableStdin = false
    var detach = false
    var cwd: String?
    var user: UInt32?
    var group: UInt32?
    var timeout: Double?
    /// `--record FILE`, `--record-input`.
    var record = RecordSettings()

    /// What contradicts, in the words of a usage error (nil: nothing).
    var problem: String? {
        if forceInteractive && forceNoninteractive {
            return "You can't pass -t and -T at the same time"
        }
        if (forceInteractive || forceNoninteractive) && mode != .auto {
            return "You can't pass -t or -T at the same time as --mode"
        }
        if detach && (forceInteractive || mode == .interactive) {
            return "--detach runs the command without a terminal: drop -t / --mode interactive"
        }
        if detach && record.path != nil {
            return "--detach does not attach: there is no session to record (drop --record)"
        }
        return record.problem
    }

    /// Interactive or not: forced, disabled (`-n`), or a terminal on both ends (auto).
    var interactive: Bool {
        if disableStdin || forceNoninteractive { return false }
        if forceInteractive { return true }
        switch mode {
        case .interactive: return true
        case .nonInteractive: return false
        case .auto: return isatty(0) == 1 && isatty(1) == 1
        }
    }

    /// The exec on one instance (detached or attached).
    func runOne(global: GlobalSettings, environment options: EnvironmentSettings, instance: String, argv: [String]) throws {
        let request = ExecRequest(command: argv, environment: try options.execEnvironment(), interactive: interactive,
                                  user: user, group: group, cwd: cwd)
        if detach {
            try runDetachedExec(global: global, instance: instance, request: request)
            return
        }
        try runExec(global: global, instance: instance, request: request, disableStdin: disableStdin, timeout: timeout,
                    record: record)
    }
}
