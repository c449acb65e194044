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
    private let fixture: FixtureProcess
    let logPath: String
    /// A config folder (the test bed's client certificate) with one remote, `ovl`, through
    /// the proxy, the daemon's certificate pinned.
    let conf: String
    let port: Int

    /// `timeout` stays under LXD's own 5 s: a daemon whose exec websockets are not all
    /// connected 5 s after the POST ends the operation ("Only running operations can be
    /// connected"), so a longer hold would fail a sequential client for another reason.
    init(count: Int, timeout: Double = 3) throws {
        let base = NSTemporaryDirectory() + "lxattach-ovl-\(getpid())-\(UUID().uuidString.prefix(8))"
        logPath = base + ".log"
        conf = base + "-conf"
        fixture = try FixtureProcess("counting_proxy.py", ["--count", String(count), "--timeout", String(timeout),
                                                           "--log", logPath, Testbed.httpsAddress])
        guard let p = Int(fixture.ready.first ?? "") else {
            throw HarnessError.notFound("a port from counting_proxy.py: \(fixture.ready)")
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

    deinit {
        fixture.stop()
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
