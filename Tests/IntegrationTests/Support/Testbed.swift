// The local LXD test bed made by Scripts/testbed, and helpers around it.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Names and paths of the test bed (Scripts/testbed and Docs/testing.md describe it).
enum Testbed {
    /// The test bed's folder, outside the repository (LXATTACH_TESTBED_DIR overrides).
    static let directory = ProcessInfo.processInfo.environment["LXATTACH_TESTBED_DIR"]
        ?? "/var/lib/lxattach-testbed"
    /// lxc config folder: remotes `local` (unix socket, the default) and `tls`
    /// (https, trusted client cert, server cert pinned in servercerts/tls.crt).
    static let conf = directory + "/conf"
    /// Same remotes, but the client certificate is not trusted: 403 over https.
    static let confUntrusted = directory + "/conf-untrusted"
    /// Trusted client certificate, but servercerts/tls.crt is some other cert.
    static let confBadPin = directory + "/conf-badpin"
    /// Trusted client certificate and no servercerts/: must fail against system roots.
    static let confNoPin = directory + "/conf-nopin"

    /// The https remote's name in every conf folder.
    static let remote = "tls"
    static let httpsAddress = "127.0.0.1:8443"
    /// The daemon's unix socket and its self-signed server certificate.
    static let socket = "/var/lib/lxd/unix.socket"
    static let serverCert = "/var/lib/lxd/server.crt"

    /// The busybox image alias.
    static let image = "lxattach-busybox"
    /// Running instances.
    static let c1 = "lxa-c1"
    static let c2 = "lxa-c2"
    /// Created, never started.
    static let stopped = "lxa-stopped"
    /// Running; its busybox init offers a shell on the console (`lxattach console`).
    static let console = "lxa-con"
    /// A second project, and its running instance.
    static let project = "lxa-proj"
    static let projectInstance = "lxa-p1"

    /// Twenty more running instances for fan-out: lxa-f01 … lxa-f20.
    static let fanOut = (1...20).map { "lxa-f" + ($0 < 10 ? "0" : "") + String($0) }
    /// The same, as a node set.
    static let fanOutSet = "lxa-f[01-20]"

    /// The image's unprivileged user and extra group (for --user / --group).
    static let user = "user"
    static let uid = 1000
    static let gid = 1000
    static let home = "/home/user"
    static let extraGroup = "users2"
    static let extraGID = 2000

    // Incus (Scripts/testbed-incus), beside LXD: same busybox image, its own daemon.
    /// Incus's unix socket (what an Incus `local` remote reaches with no $INCUS_* set).
    static let incusSocket = "/var/lib/incus/unix.socket"
    /// The Incus test bed's log (what to read when it is not ready).
    static let incusLog = directory + "/testbed-incus.log"
    /// The running Incus instance (not known to LXD; LXD's instances are not known to Incus).
    static let incusC1 = "ia-c1"
    /// Incus client folder (INCUS_CONF): remotes `local` (unix) and `tls` (https on
    /// `incusHTTPSAddress`, protocol incus; conf/'s client cert, trusted by Incus too;
    /// Incus's server certificate pinned in servercerts/tls.crt).
    static let incusConf = directory + "/conf-incus"
    static let incusHTTPSAddress = "127.0.0.1:8444"
}

/// Runs the real `lxc` with `LXD_CONF=conf` (default: the test bed's conf/, whose
/// default remote is the unix socket and whose `tls` remote is https).
@discardableResult
func lxc(
    _ arguments: String...,
    conf: String = Testbed.conf,
    stdin: CommandInput = .null,
    timeout: Double = 60,
    file: StaticString = #filePath,
    line: UInt = #line
) throws -> CommandResult {
    try runCommand(
        "lxc", arguments, environment: ["LXD_CONF": conf], stdin: stdin, timeout: timeout,
        file: file, line: line)
}

/// The built executables: SwiftPM puts them in the same folder as the test
/// bundle (`.build/<triple>/debug/lxattachPackageTests.xctest`).
/// LXATTACH_BIN_DIR overrides the folder.
enum Built {
    /// The folder holding the test bundle and the executables.
    static func directory() throws -> String {
        if let dir = ProcessInfo.processInfo.environment["LXATTACH_BIN_DIR"] { return dir }
        // /proc/self/exe is the xctest bundle itself on Linux (or swiftpm-xctest-helper /
        // xctest when it loads the bundle), so also try argv.
        var candidates: [String] = []
        if let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            candidates.append(exe)
        }
        candidates += CommandLine.arguments
        for c in candidates where c.hasSuffix(".xctest") || c.contains(".xctest/") {
            var dir = URL(fileURLWithPath: c)
            while dir.pathExtension != "xctest", dir.path != "/" { dir.deleteLastPathComponent() }
            dir.deleteLastPathComponent()
            if access(dir.path + "/lxattach", X_OK) == 0 { return dir.path }
        }
        throw HarnessError.notFound("the build folder (no .xctest in \(candidates))")
    }

    /// Full path of an executable built by this package.
    static func executable(_ name: String) throws -> String {
        let path = try directory() + "/" + name
        guard access(path, X_OK) == 0 else { throw HarnessError.notFound(path) }
        return path
    }

    static func lxattach() throws -> String { try executable("lxattach") }
    static func lxattachConfig() throws -> String { try executable("lxattach-config") }
}

/// Runs the built `lxattach` with the test bed's conf/ as LXD_CONF (unless
/// `environment` says otherwise).
@discardableResult
func lxattach(
    _ arguments: [String],
    environment: [String: String?] = [:],
    stdin: CommandInput = .null,
    timeout: Double = 60,
    failOnTimeout: Bool = true,
    file: StaticString = #filePath,
    line: UInt = #line
) throws -> CommandResult {
    var env: [String: String?] = ["LXD_CONF": Testbed.conf]
    for (k, v) in environment { env[k] = v }
    return try runCommand(
        try Built.lxattach(), arguments, environment: env, stdin: stdin, timeout: timeout,
        failOnTimeout: failOnTimeout, file: file, line: line)
}

/// Polls `condition` every `interval` seconds until it is true (returns true) or
/// `timeout` passes (fails the test with `what` and returns false).
@discardableResult
func waitUntil(
    _ what: @autoclosure () -> String,
    timeout: Double = 10,
    interval: Double = 0.05,
    file: StaticString = #filePath,
    line: UInt = #line,
    _ condition: () throws -> Bool
) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while true {
        if try condition() { return true }
        if Date() >= deadline {
            XCTFail("timed out after \(timeout) s waiting for \(what())", file: file, line: line)
            return false
        }
        usleep(UInt32(interval * 1_000_000))
    }
}

extension Testbed {
    /// The LXD daemon's PID as it reports it (`GET /1.0` → `environment.server_pid`, via
    /// the real `lxc`), checked against /proc to be an `lxd` process: a test that must
    /// end the daemon ends exactly this one, never a process found by name.
    static func daemonPID(file: StaticString = #filePath, line: UInt = #line) throws -> pid_t {
        let r = try lxc("query", "/1.0", timeout: 20, file: file, line: line)
        guard r.status == 0,
              let json = try? JSONSerialization.jsonObject(with: Data(r.stdout)) as? [String: Any],
              let environment = json["environment"] as? [String: Any],
              let pid = (environment["server_pid"] as? NSNumber)?.int32Value, pid > 1 else {
            XCTFail("no server_pid from GET /1.0: \(r)", file: file, line: line)
            throw HarnessError.notFound("the daemon's server_pid")
        }
        let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard comm == "lxd" else {
            XCTFail("server_pid \(pid) is not lxd (comm \(String(describing: comm)))", file: file, line: line)
            throw HarnessError.notFound("the daemon's process")
        }
        return pid
    }
}
