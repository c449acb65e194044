import Glibc
import Transport

/// Writes to stdout / stderr with write(2): no Foundation, no buffering surprises.
enum Output {
    /// Process start (set first thing in main), for `--debug` timestamps.
    nonisolated(unsafe) static var started: UInt64 = 0

    /// "3.2" — milliseconds since `started`, one decimal.
    static func elapsedMilliseconds() -> String {
        let tenths = (monotonicNanoseconds() &- started) / 100_000
        return "\(tenths / 10).\(tenths % 10)"
    }

    static func out(_ s: String) { write(1, s) }
    static func err(_ s: String) { write(2, s) }

    /// One line `Error: <message>` on stderr.
    static func error(_ message: String) {
        let oneLine = message.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ")
        err("Error: " + oneLine + "\n")
    }

    /// Best effort: a message that cannot be written has nowhere else to go.
    static func write(_ fd: Int32, _ s: String) {
        var s = s
        s.withUTF8 { buf in _ = LocalIO.writeAll(fd, UnsafeRawBufferPointer(buf)) { true } }
    }
}

/// Our own failure: printed as one `Error:` line, exit status 255 unless said otherwise.
struct Failure: Error {
    var message: String
    var status: Int32 = 255
    init(_ message: String, status: Int32 = 255) {
        self.message = message
        self.status = status
    }
    /// The error it was made from, if any (lxc mode words some of them as lxc does).
    var cause: (any Error)?
    init(_ error: any Error) {
        self.message = "\(error)"
        self.cause = error
    }
}
