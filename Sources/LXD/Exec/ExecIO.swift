/// What an input filter decides for a chunk of local input.
public enum ExecInputDecision: Sendable, Equatable {
    /// Send it as it is.
    case send
    /// Send these bytes instead (an escape removed or completed).
    case replace([UInt8])
    /// Send these bytes, then end the session (detach): the remote side goes on.
    case detach([UInt8])
}

/// Sees every chunk of local input, in order, before it is sent.
public protocol ExecInputFilter: AnyObject {
    /// What to do with `chunk` of local input.
    func filter(_ chunk: UnsafeRawBufferPointer) -> ExecInputDecision
}

/// Sees every chunk of output after it went to its sink, in arrival order (a session
/// recorder). Called on the thread that drives the session; `chunk` is valid during the
/// call only.
public protocol ExecOutputObserver: AnyObject {
    /// `chunk` of the command's output, delivered to `stream`'s sink (`.stdout` for a PTY).
    func observe(_ chunk: UnsafeRawBufferPointer, to stream: ExecStream)
}

/// Where an exec's streams come from and go to locally.
///
/// Not `Sendable`: it binds a session to local descriptors, handlers called on the
/// thread that drives the session, and readers of a shared input. Make it where the
/// session is added (in async code, `LXDAsyncClient` does this for you).
public struct ExecIO {
    /// The command's input.
    public enum Input {
        /// None: the end of input is sent at once (`-n`).
        case none
        /// Read from a file descriptor until EOF (the CLI's stdin).
        case fd(Int32)
        /// These bytes, then the end of input.
        case bytes([UInt8])
        /// What another thread or task writes, until it finishes the queue.
        case queue(ExecInputQueue)
        /// One input shared by many sessions, each through its own reader (fan-out).
        case shared(ExecSharedInput.Reader)
    }

    /// Where output goes.
    public enum Output {
        /// Written to a file descriptor (blocking writes: backpressure reaches the daemon).
        case fd(Int32)
        /// Handed to a closure, chunk by chunk, as it arrives (valid during the call).
        case handler((UnsafeRawBufferPointer) -> Void)
        /// Dropped.
        case discard
    }

    /// Where the command's stdin comes from.
    public var input: Input
    /// Looks at local input before it is sent (a console's Ctrl+a q).
    public var inputFilter: ExecInputFilter?
    /// Where the command's stdout goes (and, interactive, the PTY's output).
    public var stdout: Output
    /// Unused in interactive sessions (the PTY merges stderr into stdout).
    public var stderr: Output
    /// Sees both outputs after their sinks (`lxattach --record`).
    public var outputObserver: ExecOutputObserver?

    /// Input and outputs as given.
    public init(input: Input, stdout: Output, stderr: Output) {
        self.input = input
        self.stdout = stdout
        self.stderr = stderr
    }

    /// File descriptors, as the CLI uses them; `stdin: nil` means no input.
    public init(stdin: Int32? = 0, stdout: Int32 = 1, stderr: Int32 = 2) {
        self.init(input: stdin.map { .fd($0) } ?? .none, stdout: .fd(stdout), stderr: .fd(stderr))
    }

    /// The input descriptor to poll, if any.
    var inputFD: Int32? {
        if case .fd(let fd) = input { return fd }
        return nil
    }

    var hasInput: Bool {
        if case .none = input { return false }
        return true
    }

    func output(_ fd: ExecStream) -> Output { fd == .stderr ? stderr : stdout }
}
