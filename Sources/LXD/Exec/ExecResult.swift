/// How an exec ended.
public struct ExecResult: Sendable {
    /// The command's exit status (`metadata.return`): 0–255, 128+N after signal N. Nil
    /// only when `localOutputClosed` ended the session first.
    public var exitStatus: Int?
    /// The final operation, when it was obtained.
    public var operation: Operation?
    /// Local stdout (or stderr) went away (EPIPE); the command was killed.
    public var localOutputClosed = false
    /// Set when the session ended the command itself (SIGTERM grace, a second SIGTERM,
    /// a caller's `.kill`), with the reason.
    public var killedReason: String?
    /// The signal that made the session end the command, if one did.
    public var terminatedBy: Int32?
    /// The configured timeout passed (timeout(1) reports this as 124).
    public var timedOut = false

    /// A result with nothing known yet.
    public init() {}
}

/// The local side of a session, polled by the event loop: a signal relay, an output
/// limit. Everything has a default, so hooks implement only what they use.
public protocol ExecHooks: AnyObject {
    /// A descriptor to watch for readability (a signal self-pipe), if the hooks have one.
    var pollDescriptor: Int32? { get }
    /// `pollDescriptor` is readable, or a blocked local write was interrupted by a signal.
    func readable() -> [ExecControlAction]
    /// After each turn of the loop: for conditions without a descriptor.
    func check() -> [ExecControlAction]
}

extension ExecHooks {
    public var pollDescriptor: Int32? { nil }
    public func readable() -> [ExecControlAction] { [] }
    public func check() -> [ExecControlAction] { [] }
}
