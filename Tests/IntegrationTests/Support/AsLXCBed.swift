// lxattach as `lxc` / `incus` for the integration tests: a folder holding the two links
// to the built lxattach, first on PATH, then a folder whose `lxc` and `incus` are stubs
// that refuse exec and file (so a test fails loudly if the real client did the work)
// and hand everything else to the real /usr/bin one.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

enum AsLXCBed {
    /// One folder per test process: links/ (lxc, incus → lxattach) and stubs/.
    static let directory: String = {
        let dir = NSTemporaryDirectory() + "lxattach-aslxc-\(getpid())"
        let fm = FileManager.default
        try? fm.createDirectory(atPath: dir + "/links", withIntermediateDirectories: true)
        try? fm.createDirectory(atPath: dir + "/stubs", withIntermediateDirectories: true)
        if let built = try? Built.lxattach() {
            for name in ["lxc", "incus"] {
                try? fm.removeItem(atPath: "\(dir)/links/\(name)")
                try? fm.createSymbolicLink(atPath: "\(dir)/links/\(name)", withDestinationPath: built)
            }
        }
        for name in ["lxc", "incus"] {
            let stub = """
                #!/bin/sh
                # The real \(name) may serve any command but exec and file (their help aside):
                # those must be lxattach's.
                case " $* " in *" --help "*|*" -h "*) exec /usr/bin/\(name) "$@" ;; esac
                for a in "$@"; do
                    case $a in
                        exec|file)
                            echo "\(name) $*" >>"\(dir)/stub-calls.log"
                            echo "STUB: the real \(name) was called for $a: $*" >&2
                            exit 99 ;;
                        -*) ;;
                        *) break ;;
                    esac
                done
                exec /usr/bin/\(name) "$@"

                """
            _ = fm.createFile(atPath: "\(dir)/stubs/\(name)", contents: Data(stub.utf8), attributes: [.posixPermissions: 0o755])
        }
        return dir
    }()

    static var links: String { directory + "/links" }
    /// Every exec or file command that reached a stub (the real client), one per line.
    static var stubCalls: String { (try? String(contentsOfFile: directory + "/stub-calls.log", encoding: .utf8)) ?? "" }
    static var stubs: String { directory + "/stubs" }

    /// PATH: the links, the stubs, then the system (the real clients are reached only
    /// through the stubs, and only for what lxattach hands over).
    static var path: String { "\(links):\(stubs):/usr/local/bin:/usr/bin:/bin" }

    /// A fresh scratch folder for one test.
    static func scratch(_ name: String) -> String {
        let dir = directory + "/scratch-\(name)-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}

/// Runs `lxc ARGS` found on PATH, where `lxc` is the lxattach link (LXD_CONF: the test
/// bed's conf/, so `local:` is the unix socket and `tls:` https).
@discardableResult
func asLXC(
    _ arguments: [String],
    environment: [String: String?] = [:],
    stdin: CommandInput = .null,
    timeout: Double = 60,
    directory: String? = nil,
    file: StaticString = #filePath,
    line: UInt = #line
) throws -> CommandResult {
    var env: [String: String?] = ["LXD_CONF": Testbed.conf, "PATH": AsLXCBed.path]
    for (k, v) in environment { env[k] = v }
    return try runCommand("lxc", arguments, environment: env, stdin: stdin, timeout: timeout, directory: directory,
                          file: file, line: line)
}

/// Runs `incus ARGS` through the lxattach link (INCUS_CONF unset: the local Incus socket).
@discardableResult
func asIncus(
    _ arguments: [String],
    environment: [String: String?] = [:],
    stdin: CommandInput = .null,
    timeout: Double = 60,
    file: StaticString = #filePath,
    line: UInt = #line
) throws -> CommandResult {
    var env: [String: String?] = ["INCUS_CONF": nil, "PATH": AsLXCBed.path]
    for (k, v) in environment { env[k] = v }
    return try runCommand("incus", arguments, environment: env, stdin: stdin, timeout: timeout, file: file, line: line)
}
