// The harness shared by the Incus tests: lxattach run as the Incus client (by flag or
// environment) with an empty INCUS_CONF, and the real `incus` client to compare with.
// Every Incus test fails (never skips) when the Incus test bed is missing.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

class IncusTestCase: IntegrationTestCase {
    let c1 = Testbed.incusC1

    /// An empty folder: INCUS_CONF for lxattach (built-in remotes only).
    static let emptyConf = NSTemporaryDirectory() + "lxa-incus-empty-\(getpid())"
    /// INCUS_CONF for the real `incus`: a config.yml (without one it prints a
    /// first-run banner on stderr, which would spoil the comparisons).
    static let clientConf = NSTemporaryDirectory() + "lxa-incus-client-\(getpid())"

    /// Made before each test if missing (each test class removes them when it ends).
    private static func makeFolders() {
        let fm = FileManager.default
        if !fm.fileExists(atPath: emptyConf) {
            try? fm.createDirectory(atPath: emptyConf, withIntermediateDirectories: true)
        }
        if !fm.fileExists(atPath: clientConf + "/config.yml") {
            try? fm.createDirectory(atPath: clientConf, withIntermediateDirectories: true)
            let yml = "default-remote: local\nremotes:\n  local:\n    addr: unix://\n    public: false\n"
            _ = fm.createFile(atPath: clientConf + "/config.yml", contents: Data(yml.utf8))
        }
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(atPath: emptyConf)
        try? FileManager.default.removeItem(atPath: clientConf)
        super.tearDown()
    }

    override func setUpWithError() throws {
        // Not a skip: a missing Incus test bed fails every test, with the way out.
        XCTAssertEqual(access(Testbed.incusSocket, F_OK), 0,
                       "no Incus socket at \(Testbed.incusSocket): run Scripts/testbed (see \(Testbed.incusLog))")
        Self.makeFolders()
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: Self.emptyConf), [],
                       "lxattach's INCUS_CONF must stay empty")
    }

    /// How lxattach is told to be the Incus client.
    enum Via: CaseIterable { case flag, environment }

    /// The Incus variables lxattach and incus must not inherit from the test runner.
    static let incusDefaults: [String: String?] = [
        "INCUS_SOCKET": nil, "INCUS_DIR": nil, "INCUS_REMOTE": nil, "LXATTACH_FLAVOR": nil,
    ]

    /// Runs the built lxattach as the Incus client. LXD_CONF stays set to the LXD test
    /// bed's conf/ (by the harness): the Incus flavor must not read it.
    @discardableResult
    func incattach(
        _ arguments: [String], via: Via = .flag, stdin: CommandInput = .null, timeout: Double = 30,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> CommandResult {
        var env = Self.incusDefaults
        env["INCUS_CONF"] = Self.emptyConf
        if via == .environment { env["LXATTACH_FLAVOR"] = "incus" }
        let args = via == .flag ? ["--incus"] + arguments : arguments
        return try lxattach(args, environment: env, stdin: stdin, timeout: timeout, file: file, line: line)
    }

    /// Runs the real `incus` client on the local unix socket.
    @discardableResult
    func incus(
        _ arguments: [String], stdin: CommandInput = .null, timeout: Double = 30,
        file: StaticString = #filePath, line: UInt = #line
    ) throws -> CommandResult {
        var env = Self.incusDefaults
        env["INCUS_CONF"] = Self.clientConf
        return try runCommand("incus", arguments, environment: env, stdin: stdin, timeout: timeout,
                              file: file, line: line)
    }

    /// lxattach started as the Incus client, with its pipes held by the test.
    func liveIncattach(_ arguments: [String]) throws -> LiveChild {
        try LiveChild(["--incus"] + arguments, environment: ["INCUS_CONF": Self.emptyConf])
    }

    /// The ids of the running operations, in an `operation list --format json` answer,
    /// whose command holds `marker`.
    func runningExecIDs(_ r: CommandResult, _ marker: String, file: StaticString = #filePath, line: UInt = #line) -> [String] {
        XCTAssertEqual(r.status, 0, "\(r)", file: file, line: line)
        return OpsParse.objects(OpsParse.json(r.stdoutText))
            .filter { OpsParse.command($0).contains(marker) && ($0["status"] as? String) == "Running" }
            .compactMap { $0["id"] as? String }
    }
}
