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

    /// The descriptors that are ready, with their owners.
    var ready: [(session: Int, source: Source, revents: Int16)] {
        var result: [(Int, Source, Int16)] = []
        for (i, p) in fds.enumerated() where p.revents != 0 {
            result.append((owners[i].session, owners[i].source, p.revents))
        }
        return result
    }
}
