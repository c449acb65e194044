import Foundation
import XCTest

/// `--env KEY` (the local value, as `docker exec -e KEY`) and `--env-file FILE` (docker's
/// format) on `exec` and `shell`, against the real daemon; the real `lxc exec --env
/// KEY=VALUE` is the reference for what the command must see.
final class EnvironmentTests: IntegrationTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "lxattach-env-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func write(_ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    private let local: [String: String?] = ["LXA_LOCAL": "from here", "LXA_UNSET": nil, "TERM": nil]

    func testEnvKeyAloneTakesTheLocalValue() throws {
        let r = try lxattach(["exec", Testbed.c1, "--env", "LXA_LOCAL", "--", "sh", "-c", "echo \"[$LXA_LOCAL]\""],
                             environment: local)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdoutText, "[from here]\n")
    }

    func testEnvKeyUnsetLocallyIsOneClearError() throws {
        let r = try lxattach(["exec", Testbed.c1, "--env", "LXA_UNSET", "--", "true"], environment: local)
        XCTAssertEqual(r.status, 255, "\(r)")
        XCTAssertEqual(r.stderrText, "Error: --env LXA_UNSET: LXA_UNSET is not set in the local environment\n")
    }

    func testEnvFileSeenAsLxcsEnvFlagsAreSeen() throws {
        let file = try write("vars.env", """
            # settings for the job
            A=1
              B=two words
            C="quoted"

            LXA_LOCAL
            A=last wins

            """)
        let show = ["--", "sh", "-c", "for v in A B C LXA_LOCAL; do eval \"echo $v=[\\$$v]\"; done"]
        let ours = try lxattach(["exec", Testbed.c1, "--env-file", file] + show, environment: local)
        XCTAssertEqual(ours.status, 0, "\(ours)")
        let theirs = try reference { try runCommand("lxc", ["exec", Testbed.c1, "--env", "A=last wins", "--env", "B=two words",
                                 "--env", "C=\"quoted\"", "--env", "LXA_LOCAL=from here"] + show,
                                       environment: ["LXD_CONF": Testbed.conf, "TERM": nil]) }
        XCTAssertEqual(theirs.status, 0, "\(theirs)")
        XCTAssertEqual(ours.stdoutText, theirs.stdoutText)
        XCTAssertEqual(ours.stdoutText, "A=[last wins]\nB=[two words]\nC=[\"quoted\"]\nLXA_LOCAL=[from here]\n")
    }

    func testEnvAfterEnvFileWins() throws {
        let file = try write("vars.env", "A=from-file\n")
        let r = try lxattach(["exec", Testbed.c1, "--env", "A=from-flag", "--env-file", file, "--", "sh", "-c", "echo $A"],
                             environment: local)
        XCTAssertEqual(r.stdoutText, "from-flag\n", "\(r)")
    }

    func testBadLinesAndMissingFilesAreOneClearError() throws {
        let bad = try write("bad.env", "A=1\n# fine\nNOT VALID=2\n")
        var r = try lxattach(["exec", Testbed.c1, "--env-file", bad, "--", "true"], environment: local)
        XCTAssertEqual(r.status, 255, "\(r)")
        XCTAssertEqual(r.stderrText, "Error: --env-file \(bad) line 3: variable name \"NOT VALID\" contains whitespace\n")

        let unset = try write("unset.env", "A=1\nLXA_UNSET\n")
        r = try lxattach(["exec", Testbed.c1, "--env-file", unset, "--", "true"], environment: local)
        XCTAssertEqual(r.status, 255, "\(r)")
        XCTAssertEqual(r.stderrText, "Error: --env-file \(unset) line 2: LXA_UNSET is not set in the local environment\n")

        r = try lxattach(["exec", Testbed.c1, "--env-file", directory + "/missing.env", "--", "true"], environment: local)
        XCTAssertEqual(r.status, 255, "\(r)")
        XCTAssertEqual(r.stderrText, "Error: --env-file \(directory)/missing.env: No such file or directory\n")
    }

    /// `shell` runs `su -l`, which clears the environment: the entries must survive it.
    func testShellCarriesTheFileIntoTheLoginShell() throws {
        let file = try write("vars.env", "A=it's $HOME\nLXA_LOCAL\n")
        let r = try lxattach(["shell", "--env-file", file, Testbed.c1], environment: local,
                             stdin: .text("echo \"[$A] [$LXA_LOCAL] $(id -u) $PWD\"\n"))
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stdoutText, "[it's $HOME] [from here] 0 /root\n")
    }
}
