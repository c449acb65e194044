// `lxattach exec --detach` and `lxattach operation output` against the real daemons:
// LXD 5.0.2 over the unix socket and TLS (recorded files under logs/), a second
// project, and Incus 6.0 (files under logs/exec-output/). The daemon's own view (the
// operation's status, the log listing) comes from the real `lxc` / `incus`.
import Foundation
import XCTest

final class DetachedExecTests: IntegrationTestCase {
    /// A command that outputs bytes no text path would keep (NUL, 0xff, no final
    /// newline) on both streams, after `delay` seconds.
    private static func job(delay: Double, status: Int) -> [String] {
        ["sh", "-c", "sleep \(delay); printf 'out\\000\\377end'; printf 'err\\000\\n' >&2; exit \(status)"]
    }
    private static let jobStdout: [UInt8] = Array("out".utf8) + [0, 0xff] + Array("end".utf8)
    private static let jobStderr: [UInt8] = Array("err".utf8) + [0, 10]

    private func isUUID(_ s: String) -> Bool {
        s.count == 36 && s.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12]
    }

    /// The instance's log listing as the daemon gives it (LXD: logs/, Incus: logs/exec-output/).
    private func logFiles(_ instance: String, incus: Bool = false, project: String? = nil) throws -> String {
        let path = "/1.0/instances/\(instance)/logs" + (incus ? "/exec-output" : "") + (project.map { "?project=\($0)" } ?? "")
        let r = incus
            ? try reference { try runCommand("incus", ["query", path], environment: ["INCUS_CONF": Testbed.incusConf]) }
            : try reference { try lxc("query", path) }
        XCTAssertEqual(r.status, 0, "\(r)")
        return r.stdoutText
    }

    /// Detach, check it returned while the command still runs, then fetch the output.
    private func roundTrip(remote: String, instance: String = Testbed.c1, extra: [String] = [],
                           environment: [String: String?] = [:], incus: Bool = false, project: String? = nil,
                           file: StaticString = #filePath, line: UInt = #line) throws {
        let started = try lxattach(["exec", "--detach"] + extra + ["\(remote)\(instance)", "--"] + Self.job(delay: 3, status: 7),
                                   environment: environment, timeout: 20, file: file, line: line)
        XCTAssertEqual(started.status, 0, "\(started)", file: file, line: line)
        let id = started.stdoutText.trimmingCharacters(in: .newlines)
        XCTAssertTrue(isUUID(id), "not an operation id: \(started)", file: file, line: line)
        XCTAssertEqual(started.stderrText, "", file: file, line: line)
        XCTAssertLessThan(started.seconds, 2.5, "did not return at once: \(started)", file: file, line: line)
        // The daemon still runs it (the command sleeps 3 s).
        let show = try lxattach(["operation", "show", "--format", "json"] + extra + ["\(remote)\(id)"],
                                environment: environment, file: file, line: line)
        XCTAssertTrue(show.stdoutText.contains("\"Running\""), "not running: \(show)", file: file, line: line)

        let out = try lxattach(["operation", "output"] + extra + ["\(remote)\(id)"], environment: environment,
                               timeout: 30, file: file, line: line)
        XCTAssertEqual(out.status, 7, "\(out)", file: file, line: line)
        XCTAssertEqual(out.stdout, Self.jobStdout, "stdout not byte-exact: \(out)", file: file, line: line)
        XCTAssertEqual(out.stderr, Self.jobStderr, "stderr not byte-exact: \(out)", file: file, line: line)
        // The recorded files were deleted.
        XCTAssertFalse(try logFiles(instance, incus: incus, project: project).contains(id),
                       "recorded files left behind", file: file, line: line)
    }

    func testDetachedOutputOverUnix() throws {
        try roundTrip(remote: "")
    }

    func testDetachedOutputOverTLS() throws {
        try roundTrip(remote: Testbed.remote + ":")
    }

    func testDetachedOutputInAnotherProject() throws {
        try roundTrip(remote: "", instance: Testbed.projectInstance, extra: ["--project", Testbed.project],
                      project: Testbed.project)
    }

    func testDetachedOutputOnIncusOverUnixAndTLS() throws {
        for remote in ["", "tls:"] {
            try roundTrip(remote: remote, instance: Testbed.incusC1, extra: ["--incus"],
                          environment: ["INCUS_CONF": Testbed.incusConf], incus: true)
        }
    }

    func testKeepLeavesTheFilesAndAGoneOperationIsExplained() throws {
        let started = try lxattach(["exec", "--detach", "\(Testbed.remote):\(Testbed.c1)", "--"] + Self.job(delay: 0, status: 3))
        let id = started.stdoutText.trimmingCharacters(in: .newlines)
        XCTAssertTrue(isUUID(id), "\(started)")
        let kept = try lxattach(["operation", "output", "--keep", "\(Testbed.remote):\(id)"], timeout: 30)
        XCTAssertEqual(kept.status, 3, "\(kept)")
        XCTAssertEqual(kept.stdout, Self.jobStdout)
        XCTAssertTrue(try logFiles(Testbed.c1).contains("exec_\(id).stdout"), "--keep deleted the files")

        // 5 s after the end the daemon forgets the operation (checked with lxc).
        XCTAssertTrue(try waitUntil("the operation to vanish", timeout: 15, interval: 0.5) {
            try lxc("operation", "show", id).status != 0
        })
        let gone = try lxattach(["operation", "output", "\(Testbed.remote):\(id)"])
        XCTAssertEqual(gone.status, 255, "\(gone)")
        XCTAssertEqual(gone.stdout, [], "printed output without saying the status is lost")
        let lines = gone.stderrText.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "\(gone)")
        for want in ["Error: ", "exit status is lost", "exec_\(id).stdout", "--without-status"] {
            XCTAssertTrue(gone.stderrText.contains(want), "missing \(want): \(gone)")
        }
        XCTAssertTrue(try logFiles(Testbed.c1).contains("exec_\(id).stdout"), "the explanation deleted the files")

        let salvaged = try lxattach(["operation", "output", "--without-status", "\(Testbed.remote):\(id)"])
        XCTAssertEqual(salvaged.status, 0, "\(salvaged)")
        XCTAssertEqual(salvaged.stdout, Self.jobStdout)
        XCTAssertEqual(salvaged.stderr, Self.jobStderr)
        XCTAssertFalse(try logFiles(Testbed.c1).contains(id), "files left after --without-status")

        let nothing = try lxattach(["operation", "output", id])
        XCTAssertEqual(nothing.status, 255, "\(nothing)")
        XCTAssertTrue(nothing.stderrText.hasPrefix("Error: operation \(id) not found"), "\(nothing)")
    }

    func testACommandThatIsNotFoundGives127AndLxcsMessage() throws {
        let started = try lxattach(["exec", "--detach", Testbed.c1, "--", "/no/such/command"])
        let id = started.stdoutText.trimmingCharacters(in: .newlines)
        XCTAssertTrue(isUUID(id), "\(started)")
        let out = try lxattach(["operation", "output", id])
        XCTAssertEqual(out.status, 127, "\(out)")
        XCTAssertEqual(out.stderrText, "Error: Command not found\n", "\(out)")
        XCTAssertFalse(try logFiles(Testbed.c1).contains(id), "recorded files left behind")
    }

    func testOutputOfAnOperationWithoutRecordedOutputIsRefused() throws {
        let held = try HeldExec()
        var id = ""
        XCTAssertTrue(try waitUntil("the held exec's operation") {
            let r = try reference { try lxc("operation", "list", "--format", "json") }
            guard let op = (try? JSONSerialization.jsonObject(with: Data(r.stdoutText.utf8)) as? [[String: Any]])?
                .first(where: { ($0["metadata"] as? [String: Any]).map { "\($0["command"] ?? "")".contains(held.marker) } ?? false })
            else { return false }
            id = op["id"] as? String ?? ""
            return !id.isEmpty
        })
        let out = try lxattach(["operation", "output", id], timeout: 20)
        XCTAssertEqual(out.status, 255, "\(out)")
        XCTAssertTrue(out.stderrText.contains("no recorded output"), "\(out)")
        XCTAssertLessThan(out.seconds, 2, "waited for an operation that cannot have output: \(out)")
        XCTAssertEqual(held.end(), 0)
    }

    func testDetachRefusesATerminal() throws {
        let r = try lxattach(["exec", "--detach", "-t", Testbed.c1, "--", "true"])
        XCTAssertEqual(r.status, 255, "\(r)")
        XCTAssertTrue(r.stderrText.hasPrefix("Error: --detach runs the command without a terminal"), "\(r)")
    }
}
