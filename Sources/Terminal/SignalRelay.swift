import Glibc

/// Turns asynchronous signals into bytes on a pipe that a `poll(2)` loop can watch
/// (the self-pipe trick), so all signal handling happens on the loop's thread.
///
/// Handlers are installed without `SA_RESTART`: a blocking `write` to a stalled
/// stdout returns `EINTR`, and the loop gets to act on the signal.
public final class SignalRelay {
    /// The signals `lxc exec` forwards to the remote command (lxc/exec_unix.go), plus
    /// SIGWINCH for window resizes. SIGSEGV, which lxc also lists, is left alone:
    /// forwarding our own crash would only hide it.
    public static let forwardedSignals: [Int32] = [
        SIGTERM, SIGHUP, SIGINT, SIGQUIT, SIGABRT, SIGTSTP, SIGTTIN, SIGTTOU,
        SIGUSR1, SIGUSR2, SIGCONT,
    ]

    /// The read end: readable when signals are pending.
    public let fileDescriptor: Int32
    private let signals: [Int32]
    private var previous: [sigaction] = []

    public init(signals: [Int32]) {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
        } else {
            fds = [-1, -1]
        }
        fileDescriptor = fds[0]
        SignalRelay.writeEnd = fds[1]
        self.signals = signals
        for sig in signals {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                var byte = UInt8(truncatingIfNeeded: sig)
                let saved = errno
                _ = write(SignalRelay.writeEnd, &byte, 1)
                errno = saved
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            var old = sigaction()
            sigaction(sig, &action, &old)
            previous.append(old)
        }
    }

    /// Reads all pending signal numbers (in arrival order, duplicates kept).
    public func drain() -> [Int32] {
        var result: [Int32] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fileDescriptor, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            for i in 0..<n { result.append(Int32(buffer[i])) }
        }
        return result
    }

    /// Puts back the previous dispositions.
    public func uninstall() {
        for (sig, old) in zip(signals, previous) {
            var old = old
            sigaction(sig, &old, nil)
        }
        previous.removeAll()
    }

    deinit {
        uninstall()
        close(fileDescriptor)
        close(SignalRelay.writeEnd)
    }

    // Only the handler reads this after `init` stored it; one relay exists at a time.
    nonisolated(unsafe) private static var writeEnd: Int32 = -1
}
