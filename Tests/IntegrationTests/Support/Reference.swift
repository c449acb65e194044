import Foundation

/// The real client (lxc, incus) run as the reference a test compares lxattach with. A
/// reference that lost its connection to the daemon (EOF, a reset: the daemon on a
/// loaded machine, not lxattach) is run again, `Reference.attempts` runs at most; its
/// result then says so in every failure message that shows it. lxattach is never run
/// again: only the anchor is.
///
/// Not for tests whose subject is the real client losing its daemon (a frozen cluster
/// member): there the lost connection is the reference.
enum Reference {
    /// Runs in all, the first included.
    static let attempts = 3
    /// What lxc and incus print when the connection to the daemon broke under them.
    static let lostConnection = [
        "EOF", "connection reset by peer", "broken pipe", "use of closed network connection",
        "server closed idle connection",
    ]

    static func lostTheDaemon(_ r: CommandResult) -> Bool {
        r.status != 0 && !r.timedOut && lostConnection.contains { r.stderrText.contains($0) }
    }
}

/// Runs `body` (one run of the real client) and runs it again, `pause` seconds later, at
/// most `Reference.attempts` runs in all, while it failed by losing the daemon. The
/// result's description lists the earlier runs' errors.
func reference(pause: Double = 0.5, _ body: () throws -> CommandResult) rethrows -> CommandResult {
    var result = try body()
    var lost: [String] = []
    while Reference.lostTheDaemon(result) && lost.count < Reference.attempts - 1 {
        lost.append(result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))
        usleep(UInt32(pause * 1e6))
        result = try body()
    }
    if !lost.isEmpty {
        result.note = "the reference client was run \(lost.count + 1) times (at most \(Reference.attempts)); "
            + "the earlier runs lost the daemon: \(lost)"
    }
    return result
}
