import Glibc

/// Puts a terminal into raw mode and guarantees the saved settings come back.
///
/// The saved `termios` is also published to `TerminalRestorer`, so the signal and
/// fatal-error paths (which cannot unwind Swift frames) can restore it too.
public final class RawMode {
    public let fileDescriptor: Int32
    private var saved: termios
    private var active = true

    /// Switches `fd` to raw mode (like Go's `term.MakeRaw`, which `lxc` uses): no echo,
    /// no canonical line editing, no signal keys, no output post-processing, 8-bit.
    /// Returns nil when `fd` is not a terminal.
    ///
    /// Entered and left with `TCSADRAIN`, as ssh does: pending output is written first,
    /// and keys typed before (type-ahead, an expect-style driver's first line) stay queued
    /// for the remote command, or for the local shell after we leave. `TCSAFLUSH` would
    /// discard them.
    public init?(fileDescriptor fd: Int32) {
        var original = termios()
        guard isatty(fd) == 1, tcgetattr(fd, &original) == 0 else { return nil }
        fileDescriptor = fd
        saved = original
        var raw = original
        raw.c_iflag &= ~tcflag_t(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON)
        raw.c_oflag &= ~tcflag_t(OPOST)
        raw.c_lflag &= ~tcflag_t(ECHO | ECHONL | ICANON | ISIG | IEXTEN)
        raw.c_cflag &= ~tcflag_t(CSIZE | PARENB)
        raw.c_cflag |= tcflag_t(CS8)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in
            cc[Int(VMIN)] = 1
            cc[Int(VTIME)] = 0
        }
        TerminalRestorer.remember(fd: fd, settings: original)
        _ = tcsetattr(fd, TCSADRAIN, &raw)
    }

    /// Restores the saved settings; idempotent.
    public func restore() {
        guard active else { return }
        active = false
        _ = tcsetattr(fileDescriptor, TCSADRAIN, &saved)
        TerminalRestorer.forget()
    }

    deinit { restore() }
}

/// Async-signal-safe restore of the terminal settings saved by `RawMode`.
///
/// Used from paths that cannot run Swift cleanup (a fatal signal, `exit` from deep
/// inside a library). `tcsetattr` is async-signal-safe.
public enum TerminalRestorer {
    // Written only on the main thread before signal handlers can read it; read by the
    // handlers (async-signal-safe: plain loads, tcsetattr).
    nonisolated(unsafe) private static var fd: Int32 = -1
    /// On the heap, allocated with `MemoryLayout<termios>.size` (60 bytes). Not a global
    /// `var settings = termios()`: Swift 6.3 emits such a global with 57 bytes of storage
    /// and copies 60 into it, overwriting whatever follows (AddressSanitizer:
    /// global-buffer-overflow). Allocated by `remember`, on the main thread, before any
    /// signal handler can read it.
    nonisolated(unsafe) private static var settings: UnsafeMutablePointer<termios>?

    static func remember(fd: Int32, settings: termios) {
        if Self.settings == nil {
            let storage = UnsafeMutablePointer<termios>.allocate(capacity: 1)
            storage.initialize(to: settings)
            Self.settings = storage
        } else {
            Self.settings!.pointee = settings
        }
        Self.fd = fd
    }

    static func forget() { fd = -1 }

    /// Restores the terminal if a `RawMode` is active. Safe in a signal handler.
    /// `TCSANOW`: nothing typed is discarded, and a fatal path never blocks on output a
    /// stalled terminal will not take.
    public static func restoreNow() {
        guard fd >= 0, let settings else { return }
        _ = tcsetattr(fd, TCSANOW, settings)
        fd = -1
    }
}
