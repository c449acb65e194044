/// The websockets of one exec operation, named by their key in the operation's `fds`.
public enum ExecStream: String, Sendable, CaseIterable {
    /// Input (non-interactive), or the PTY both ways (interactive).
    case stdin = "0"
    /// Websocket "1": the command's stdout.
    case stdout = "1"
    /// Websocket "2": the command's stderr.
    case stderr = "2"
    /// Signals and window sizes go out here; its end kills the command.
    case control = "control"

    /// Hashed by case, not by raw value: a `RawRepresentable` enum would otherwise hash
    /// its `String` raw value on every set and dictionary lookup (the event loop does
    /// several a turn).
    public func hash(into hasher: inout Hasher) { hasher.combine(index) }

    /// A dense index, for per-stream arrays.
    @inlinable var index: Int {
        switch self {
        case .stdin: return 0
        case .stdout: return 1
        case .stderr: return 2
        case .control: return 3
        }
    }
}
