import Foundation
import XCTest

/// Projects: `--project` and a remote's `project:` select another project's instances
/// (sent as `?project=` on every call), over the unix socket and TLS.
final class ProjectTests: IntegrationTestCase {
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
        let held = try HeldExec(instance: Testbed.projectInstance, options: ["--project", Testbed.project])
        var found = false
        try waitUntil("the project's exec operation is listed") {
            let r = try lxattach(["operation", "list", "--project", Testbed.project, "--format", "json"])
            found = r.status == 0 && r.stdoutText.contains(held.marker)
            return found
        }
        XCTAssertTrue(found)
        let defaultList = try lxattach(["operation", "list", "--format", "json"])
        XCTAssertEqual(defaultList.status, 0, "\(defaultList)")
        XCTAssertFalse(defaultList.stdoutText.contains(held.marker), "the default project must not list it")
        XCTAssertEqual(held.end(), 0)
    }

    /// LXD 5.0.2 ignores `all-projects=true` (no `operations_get_query_all_projects`):
    /// lxattach asks each project. Compared with what lxc shows project by project (lxc
    /// 5.0.2 has no --all-projects), over the unix socket and TLS.
    func testOperationListAllProjectsMatchesLxcProjectByProject() throws {
        let inProject = try HeldExec(instance: Testbed.projectInstance, options: ["--project", Testbed.project])
        let inDefault = try HeldExec()
        let markers = [inProject.marker, inDefault.marker]
        let projects = try reference { try lxc("project", "list", "--format", "csv") }.stdoutText.split(separator: "\n")
            .map { String($0.split(separator: ",").first ?? "").replacingOccurrences(of: " (current)", with: "") }
        XCTAssertTrue(projects.contains(Testbed.project), "\(projects)")
        for remote in ["", "\(Testbed.remote):"] {
            var ids: [String: String] = [:]
            try waitUntil("both held operations listed with --all-projects") {
                let r = try lxattach(["operation", "list", "--all-projects", "--format", "json"] + (remote.isEmpty ? [] : [remote]))
                XCTAssertEqual(r.status, 0, "\(r)")
                for op in OpsParse.objects(OpsParse.json(r.stdoutText)) {
                    for m in markers where OpsParse.command(op).contains(m) { ids[m] = op["id"] as? String }
                }
                return ids.count == 2
            }
            var before = Set<String>(), after = Set<String>()
            for p in projects { before.formUnion(try clientOperationIDs(project: p, remote: remote)) }
            let r = try lxattach(["operation", "list", "--all-projects", "--format", "csv"] + (remote.isEmpty ? [] : [remote]))
            for p in projects { after.formUnion(try clientOperationIDs(project: p, remote: remote)) }
            XCTAssertEqual(r.status, 0, "\(r)")
            let ours = OpsParse.csv(r.stdoutText).compactMap(\.first)
            XCTAssertEqual(ours.count, Set(ours).count, "duplicates: \(r)")
            for id in ids.values { XCTAssertTrue(ours.contains(id), "\(remote): \(id) missing: \(r)") }
            XCTAssertTrue(before.intersection(after).isSubset(of: Set(ours)), "\(remote): lxc \(before) / \(after), ours \(ours)")
            XCTAssertTrue(Set(ours).isSubset(of: before.union(after)), "\(remote): lxc \(before) / \(after), ours \(ours)")
        }
        XCTAssertEqual(inProject.end(), 0)
        XCTAssertEqual(inDefault.end(), 0)
    }
}
