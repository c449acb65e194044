import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `lxattach [options] exec INSTANCE -- sh -c 'cat >/dev/null; : MARKER'` in the
/// background: its exec operation stays Running, however slow the machine, until the
/// test calls `end()` (which closes its stdin: `cat` sees EOF and the command exits 0).
/// Nothing is left in the instance: no `sleep` to outlive the test.
final class HeldExec {
    let marker: String
    let child: LiveChild

    init(instance: String = Testbed.c1, options: [String] = [], environment: [String: String] = [:]) throws {
        marker = "lxa-held-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())"
        child = try LiveChild(options + ["exec", instance, "--", "sh", "-c", "cat >/dev/null; : \(marker)"],
                              environment: environment)
    }

    /// Ends the command (EOF on its stdin) and returns lxattach's exit status (nil on a
    /// signal or when it did not end within 15 s: then the test fails).
    @discardableResult
    func end(file: StaticString = #filePath, line: UInt = #line) -> Int32? {
        child.closeStdin()
        guard child.wait(timeout: 15, file: file, line: line) else { return nil }
        return child.status
    }
}

/// The ids in `lxc operation list --project P --format json` (or `incus`, with `conf`).
func clientOperationIDs(project: String? = nil, remote: String = "", client: String = "lxc",
                        file: StaticString = #filePath, line: UInt = #line) throws -> Set<String> {
    var args = ["operation", "list"] + (remote.isEmpty ? [] : [remote]) + ["--format", "json"]
    if let project { args += ["--project", project] }
    let env = client == "lxc" ? ["LXD_CONF": Testbed.conf] : ["INCUS_CONF": Testbed.incusConf]
    let r = try reference { try runCommand(client, args, environment: env, file: file, line: line) }
    XCTAssertEqual(r.status, 0, "\(r)", file: file, line: line)
    return Set(OpsParse.objects(OpsParse.json(r.stdoutText, file: file, line: line)).compactMap { $0["id"] as? String })
}
