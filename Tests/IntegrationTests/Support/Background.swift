// A long-running child (e.g. `lxattach operation watch`) whose stdout and stderr go to
// temp files that the test reads while it runs. Never outlives the test: deinit SIGKILLs it.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class BackgroundProcess {
    let process = Process()
    let stdoutPath: String
    let stderrPath: String

    init(_ executable: String, _ arguments: [String], environment: [String: String]) throws {
        let base = NSTemporaryDirectory() + "lxattach-bg-\(getpid())-\(UUID().uuidString.prefix(8))"
        stdoutPath = base + ".out"
        stderrPath = base + ".err"
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in IsolatedHome.variables { env[k] = v }
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardInput = FileHandle(forReadingAtPath: "/dev/null")
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
    }

    /// `lxattach` with the test bed's conf/ (unless `environment` overrides LXD_CONF).
    static func lxattach(_ arguments: [String], environment: [String: String] = [:]) throws -> BackgroundProcess {
        var env = ["LXD_CONF": Testbed.conf]
        for (k, v) in environment { env[k] = v }
        return try BackgroundProcess(try Built.lxattach(), arguments, environment: env)
    }

    var stdout: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// The exit status once it ended (nil: still running after `timeout`, or killed by a signal).
    func exitStatus(timeout: Double) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() >= deadline { return nil }
            usleep(20_000)
        }
        return process.terminationReason == .exit ? process.terminationStatus : nil
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(atPath: stdoutPath)
        try? FileManager.default.removeItem(atPath: stderrPath)
    }
}
