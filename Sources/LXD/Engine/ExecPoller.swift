import Glibc
import Transport

/// The poll(2) set of one loop turn: descriptors, and for each the session and the
/// source it belongs to.
struct ExecPoller {
    enum Source: Equatable {
        /// Local input of the session.
        case input
        case channel(ExecStream)
        /// The `/wait` request.
        case wait
        case lookup
        case hooks
        /// A connection of a session still being set up (`session` indexes the set-ups).
        case setup(SetupLink)
    }

    private var fds: [pollfd] = []
    private var owners: [(session: Int, source: Source)] = []

    mutating func reset() {
        fds.removeAll(keepingCapacity: true)
        owners.removeAll(keepingCapacity: true)
    }

    mutating func add(_ fd: Int32, _ events: Int16, session: Int, source: Source) {
        fds.append(pollfd(fd: fd, events: events, revents: 0))
        owners.append((session, source))
    }

    /// Waits for readiness; a signal ends the wait early.
    mutating func poll(timeoutMilliseconds: Int32) throws(TransportError) -> Int {
        try LocalIO.poll(&fds, timeoutMilliseconds: timeoutMilliseconds)
    }

    /// Entries registered this turn.
    var count: Int { fds.count }

    /// Entry `i` if poll found it ready: its owner and what happened (no array built:
    /// this runs every turn).
    func ready(_ i: Int) -> (session: Int, source: Source, revents: Int16)? {
        let revents = fds[i].revents
        return revents == 0 ? nil : (owners[i].session, owners[i].source, revents)
    }
}
