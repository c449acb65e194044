// Tests/Fixtures/counting_proxy.py in front of the daemon's HTTPS listener, and a
// temporary lxc config folder whose remote `ovl` goes through it.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// The counting proxy (see its docstring): holds the daemon's answers until `count`
/// connections have opened and sent their ClientHello, or `timeout` seconds have passed
/// since the first connection. Started on a port it picks itself; stopped by its PID.
final class CountingProxy {
    let process = Process()
    let logPath: String
    /// A config folder (the test bed's client certificate) with one remote, `ovl`, through
    /// the proxy, the daemon's certificate pinned.
    let conf: String
    private(set) var port = 0
    /// Fed to the proxy's stdin; closing it (or SIGKILL) ends the proxy.
    private let stdin = Pipe()

    /// `timeout` stays under LXD's own 5 s: a daemon whose exec websockets are not all
    /// connected 5 s after the POST ends the operation ("Only running operations can be
    /// connected"), so a longer hold would fail a sequential client for another reason.
    init(count: Int, timeout: Double = 3) throws {
        let script = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/counting_proxy.py").path
        let base = NSTemporaryDirectory() + "lxattach-ovl-\(getpid())-\(UUID().uuidString.prefix(8))"
        logPath = base + ".log"
        conf = base + "-conf"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, "--count", String(count), "--timeout", String(timeout),
                             "--log", logPath, Testbed.httpsAddress]
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = stdin
        try process.run()
        // "ready PORT", read with a deadline: a proxy that fails to start fails the test.
        let fd = out.fileHandleForReading.fileDescriptor
        var text = ""
        let deadline = Date().addingTimeInterval(10)
        var buffer = [UInt8](repeating: 0, count: 256)
        while !text.contains("\n"), Date() < deadline {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 100) > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            text += String(decoding: buffer[0..<n], as: UTF8.self)
        }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard words.first == "ready", let p = Int(words.dropFirst().first ?? "") else {
            stop()
            throw HarnessError.notFound("counting_proxy.py did not get ready: \(text.debugDescription)")
        }
        port = p
        try writeConf()
    }

    private func writeConf() throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: conf + "/servercerts", withIntermediateDirectories: true)
        for name in ["client.crt", "client.key"] {
            try fm.copyItem(atPath: Testbed.conf + "/" + name, toPath: conf + "/" + name)
        }
        try fm.copyItem(atPath: Testbed.conf + "/servercerts/tls.crt", toPath: conf + "/servercerts/ovl.crt")
        let config = """
            default-remote: ovl
            remotes:
              ovl:
                addr: https://127.0.0.1:\(port)
                protocol: lxd
                auth_type: tls
                public: false
            aliases: {}

            """
        try config.write(toFile: conf + "/config.yml", atomically: true, encoding: .utf8)
    }

    /// The proxy's events so far: "open N", "hello N", "held N", "release", "timeout".
    var events: [String] {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(10_000) }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: logPath)
        try? FileManager.default.removeItem(atPath: conf)
    }
}

/// What the proxy saw before it let the first answer through.
struct OverlapEvents: CustomStringConvertible {
    let all: [String]
    /// Index of "release" or "timeout", whichever came (nil: neither yet).
    var end: Int? { all.firstIndex { $0 == "release" || $0 == "timeout" } }
    var timedOut: Bool { all.contains("timeout") }
    private var before: ArraySlice<String> { all[..<(end ?? all.count)] }
    var opensBefore: Int { before.filter { $0.hasPrefix("open ") }.count }
    var hellosBefore: Int { before.filter { $0.hasPrefix("hello ") }.count }
    var description: String { all.joined(separator: ", ") }
}
