import Glibc
import Transport

/// Local output of fan-out's line sinks: bytes gathered per chunk of remote output and
/// written with one write(2), so lines of different instances never mix.
///
/// Writes block (backpressure reaches every session, as with one exec). A closed
/// reader (`| head`) ends lxattach by SIGPIPE like any pipeline member: its sockets
/// close and LXD ends every command. Another write error is kept for the end.
final class FanOutWriter {
    let fd: Int32
    private(set) var pending: [UInt8] = []
    /// A write blocked on a slow reader was interrupted by a signal: serve the sessions
    /// (signals, deadlines); false drops the rest of this write (we are going away).
    var whileBlocked: () -> Bool = { true }
    /// The first write error other than EPIPE.
    private(set) var failure: Int32?

    init(fd: Int32) {
        self.fd = fd
    }

    func append(_ bytes: UnsafeRawBufferPointer) { pending.append(contentsOf: bytes) }
    func append(_ bytes: [UInt8]) { pending.append(contentsOf: bytes) }
    func append(_ text: String) { pending.append(contentsOf: text.utf8) }
    func append(byte: UInt8) { pending.append(byte) }

    func flush() {
        guard !pending.isEmpty else { return }
        defer {
            // Keep a usual chunk's worth of capacity, not the largest ever seen.
            if pending.capacity > 1 << 20 { pending = [] } else { pending.removeAll(keepingCapacity: true) }
        }
        guard failure == nil else { return }
        let r = pending.withUnsafeBytes { LocalIO.writeAll(fd, $0, interrupted: whileBlocked) }
        switch r {
        case .written, .abandoned:
            break
        case .readerGone:
            signal(SIGPIPE, SIG_DFL)
            raise(SIGPIPE)
        case .failed(let e):
            failure = e
        }
    }

    /// "writing to stdout failed: No space left on device", once a write failed.
    var failureMessage: String? {
        guard let e = failure else { return nil }
        return "writing to \(fd == 2 ? "stderr" : "stdout") failed: \(String(cString: strerror(e)))"
    }
}
