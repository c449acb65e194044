// Is a daemon of the test bed alive? One unix-socket connect and `GET /1.0`, bounded in
// time, written with plain system calls: the daemon watchdog must not depend on the
// code under test (lxattach's own HTTP client) to tell whether the daemon is there.
import Foundation

#if canImport(Glibc)
import Glibc
#endif

enum DaemonProbe {
    enum Outcome: Equatable, CustomStringConvertible {
        /// Answered 200 with its `environment.server_pid` (nil when the answer had none).
        case alive(pid: Int32?)
        /// Not there: no socket, connection refused or reset, closed before an answer, or
        /// an answer other than 200. What happened, in words.
        case dead(String)
        /// Connected, but no whole answer within the bound (hung, frozen or overloaded).
        case unresponsive(String)

        var isAlive: Bool { if case .alive = self { return true } else { return false } }

        var description: String {
            switch self {
            case .alive(let pid): return "alive (pid \(pid.map(String.init) ?? "?"))"
            case .dead(let why): return why
            case .unresponsive(let why): return why
            }
        }
    }

    /// `GET /1.0` on the unix socket at `path`, all of it (connect, request, answer)
    /// within `timeout` seconds.
    static func probe(_ path: String, timeout: Double = 2) -> Outcome {
        let deadline = now() + timeout
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
                            | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { return .dead("socket(): \(String(cString: strerror(errno)))") }
        defer { close(fd) }

        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return .dead("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        if connected != 0 {
            let e = errno
            // A full backlog: wait for the connection like for any other event.
            guard e == EAGAIN || e == EINPROGRESS else {
                return .dead("connect: \(String(cString: strerror(e)))")
            }
            if let late = wait(fd, for: Int16(POLLOUT), until: deadline) { return late }
        }

        var request = Array("GET /1.0 HTTP/1.0\r\nHost: lxd\r\nUser-Agent: lxattach-watchdog\r\n\r\n".utf8)
        while !request.isEmpty {
            let n = write(fd, request, request.count)
            if n > 0 { request.removeFirst(n); continue }
            if n < 0, errno == EINTR { continue }
            if n < 0, errno == EAGAIN {
                if let late = wait(fd, for: Int16(POLLOUT), until: deadline) { return late }
                continue
            }
            return .dead("sending GET /1.0: \(String(cString: strerror(errno)))")
        }

        // HTTP/1.0: the daemon closes the connection after its answer.
        var answer: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n > 0 { answer += buffer[0..<n]; continue }
            if n == 0 { break }
            if errno == EINTR { continue }
            if errno == EAGAIN {
                if let late = wait(fd, for: Int16(POLLIN), until: deadline) {
                    return answer.isEmpty ? late : .unresponsive("an incomplete answer within \(timeout) s")
                }
                continue
            }
            return .dead("reading the answer: \(String(cString: strerror(errno)))")
        }
        return parse(answer)
    }

    /// The status line and `metadata.environment.server_pid` of a whole answer.
    static func parse(_ answer: [UInt8]) -> Outcome {
        guard !answer.isEmpty else { return .dead("closed without an answer") }
        let text = String(decoding: answer, as: UTF8.self)
        let statusLine = text.prefix { !$0.isNewline }   // ("\r\n" is one Character)
        let fields = statusLine.split(separator: " ")
        guard fields.count >= 2, fields[0].hasPrefix("HTTP/1."), fields[1] == "200" else {
            return .dead("answered \(String(statusLine.prefix(80)).debugDescription)")
        }
        guard let split = text.range(of: "\r\n\r\n"),
              let json = try? JSONSerialization.jsonObject(with: Data(text[split.upperBound...].utf8)) as? [String: Any],
              let metadata = json["metadata"] as? [String: Any],
              let environment = metadata["environment"] as? [String: Any],
              let pid = (environment["server_pid"] as? NSNumber)?.int32Value else {
            return .alive(pid: nil)
        }
        return .alive(pid: pid)
    }

    /// Waits for `events` on `fd`; nil when they came, else the outcome of a timeout.
    private static func wait(_ fd: Int32, for events: Int16, until deadline: Double) -> Outcome? {
        while true {
            let left = deadline - now()
            guard left > 0 else { return .unresponsive("no answer to GET /1.0 in time") }
            var p = pollfd(fd: fd, events: events, revents: 0)
            let n = poll(&p, 1, Int32(max(1, (left * 1000).rounded(.up))))
            if n < 0, errno == EINTR { continue }
            if n < 0 { return .dead("poll: \(String(cString: strerror(errno)))") }
            if n == 0 { continue }
            return nil   // ready, or an error/hang-up that the next call reports
        }
    }

    private static func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}
