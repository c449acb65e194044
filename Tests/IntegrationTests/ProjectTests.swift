import Foundation
import XCTest

/// Projects: `--project` and a remote's `project:` select another project's instances
/// (sent as `?project=` on every call), over the unix socket and TLS.
final class ProjectTests: XCTestCase {
    func testProjectFlagReachesTheProjectsInstance() throws {
        for target in [Testbed.projectInstance, "\(Testbed.remote):\(Testbed.projectInstance)"] {
            let r = try lxattach(["exec", "--project", Testbed.project, target, "--", "hostname"])
            XCTAssertEqual(r.status, 0, "\(r)")
            XCTAssertEqual(r.stdoutText, Testbed.projectInstance + "\n")
        }
    }

    func testWithoutTheProjectTheInstanceIsNotFound() throws {
        let r = try lxattach(["exec", Testbed.projectInstance, "--", "true"])
        XCTAssertEqual(r.status, 255, "\(r)")
        XCTAssertEqual(r.stderrText, "Error: Instance not found\n")
        // And the default project's instance is not in the other project.
        let other = try lxattach(["exec", "--project", Testbed.project, Testbed.c1, "--", "true"])
        XCTAssertEqual(other.status, 255, "\(other)")
        XCTAssertEqual(other.stderrText, "Error: Instance not found\n")
    }

    func testARemotesProjectIsUsedAndTheFlagOverridesIt() throws {
        let dir = NSTemporaryDirectory() + "lxattach-project-conf-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try """
            default-remote: local
            remotes:
              proj: {addr: "unix://", public: false, project: \(Testbed.project)}
            """.write(toFile: dir + "/config.yml", atomically: true, encoding: .utf8)
        let env: [String: String?] = ["LXD_CONF": dir]
        let inProject = try lxattach(["--debug", "exec", "proj:\(Testbed.projectInstance)", "--", "hostname"], environment: env)
        XCTAssertEqual(inProject.status, 0, "\(inProject)")
        XCTAssertEqual(inProject.stdoutText, Testbed.projectInstance + "\n")
        XCTAssertTrue(inProject.stderrText.contains("/exec?project=\(Testbed.project) HTTP/1.1"), inProject.stderrText)
        let overridden = try lxattach(["exec", "--project", "default", "proj:\(Testbed.projectInstance)", "--", "true"], environment: env)
        XCTAssertEqual(overridden.status, 255, "\(overridden)")
        XCTAssertEqual(overridden.stderrText, "Error: Instance not found\n")
    }

    func testOperationListIsPerProject() throws {
        let marker = "lxattach-project-op-\(getpid())"
        let background = Process()
        background.executableURL = URL(fileURLWithPath: try Built.lxattach())
        background.arguments = ["exec", "--project", Testbed.project, Testbed.projectInstance, "--", "sh", "-c", "sleep 3; : \(marker)"]
        var env = ProcessInfo.processInfo.environment
        env["LXD_CONF"] = Testbed.conf
        background.environment = env
        background.standardInput = FileHandle.nullDevice
        try background.run()
        defer { background.waitUntilExit() }
        var found = false
        try waitUntil("the project's exec operation is listed") {
            let r = try lxattach(["operation", "list", "--project", Testbed.project, "--format", "json"])
            found = r.status == 0 && r.stdoutText.contains(marker)
            return found
        }
        XCTAssertTrue(found)
        let defaultList = try lxattach(["operation", "list", "--format", "json"])
        XCTAssertEqual(defaultList.status, 0, "\(defaultList)")
        XCTAssertFalse(defaultList.stdoutText.contains(marker), "the default project must not list it")
        background.waitUntilExit()
        XCTAssertEqual(background.terminationStatus, 0)
    }
}
