// The table of Docs/as-lxc.md, generated: each row is run with the real /usr/bin/lxc,
// with lxattach's `lxc` link and with `lxattach`, and each cell is what a script sees
// (exit status, first stdout line, first stderr line). The test fails when the file's
// table is not what the three programs do now; LXATTACH_UPDATE_DOCS=1 rewrites it.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class AsLXCTableTests: XCTestCase {
    struct Row {
        var what: String
        var arguments: [String]
        var stdin: String?
        var environment: [String: String?] = [:]
        /// lxattach's own spelling when it differs (nil: the same arguments).
        var lxattach: [String]?
    }

    static let c = DebianBed.running[0]

    static let rows: [Row] = [
        Row(what: "the command's status", arguments: ["exec", c, "--", "sh", "-c", "echo out; echo err >&2; exit 3"]),
        Row(what: "unknown instance", arguments: ["exec", "lxa-nonexistent", "--", "true"]),
        Row(what: "stopped instance", arguments: ["exec", DebianBed.stopped, "--", "true"]),
        Row(what: "unknown remote", arguments: ["exec", "nosuchremote:\(c)", "--", "true"]),
        Row(what: "daemon unreachable (LXD_DIR=/nonexistent)", arguments: ["exec", c, "--", "true"],
            environment: ["LXD_DIR": "/nonexistent"]),
        Row(what: "command not found", arguments: ["exec", c, "--", "/nonexistent"]),
        Row(what: "-t with -T", arguments: ["exec", "-t", "-T", c, "--", "true"]),
        Row(what: "no command", arguments: ["exec", c]),
        Row(what: "unknown flag", arguments: ["exec", "--bogus", c, "--", "true"]),
        Row(what: "bad --user", arguments: ["exec", "--user", "x", c, "--", "true"]),
        Row(what: "--mode with an unknown word", arguments: ["exec", "--mode=bogus", c, "--", "echo", "ran"]),
        Row(what: "--env K without = (K=local here)", arguments: ["exec", "--env", "K", c, "--", "sh", "-c", "echo \"K=$K\""],
            environment: ["K": "local"]),
        Row(what: "no -- before the command", arguments: ["exec", c, "echo", "ran"]),
        Row(what: "global flags before the verb", arguments: ["-q", "--force-local", "exec", c, "--", "echo", "ran"]),
        Row(what: "--project before the verb", arguments: ["--project", Testbed.project, "exec", Testbed.projectInstance, "--", "echo", "ran"]),
        Row(what: "a command lxattach does not implement", arguments: ["list", "--format", "csv", "-c", "n", c]),
        Row(what: "file pull to stdout", arguments: ["file", "pull", "\(c)/etc/debian_version", "-"]),
        Row(what: "file pull of a missing file", arguments: ["file", "pull", "\(c)/nonexistent", "-"]),
        Row(what: "file pull of a folder without -r", arguments: ["file", "pull", "\(c)/etc", "-"]),
        Row(what: "file push from stdin, no -q", arguments: ["file", "push", "-", "local:\(c)//tmp/asx-table"], stdin: "x"),
        Row(what: "file push of a file, no -q", arguments: ["file", "push", "/etc/hostname", "local:\(c)//tmp/asx-table"]),
        Row(what: "file pull -r of a tree with a symlink to /etc/passwd", arguments: ["file", "pull", "-r", "\(c)/tmp/asx-table-evil", "out"]),
        Row(what: "file push to a missing folder", arguments: ["file", "push", "-", "\(c)/nonexistent/x"], stdin: "x"),
    ]

    /// What a script sees: status, first stdout line, first stderr line (rates and
    /// carriage returns of a progress line shown as `…`).
    static func cell(_ r: CommandResult) -> String {
        func first(_ bytes: [UInt8]) -> String? {
            guard !bytes.isEmpty else { return nil }
            var text = String(decoding: bytes, as: UTF8.self)
            if text.hasPrefix("\r") {
                // lxc's progress line: "\rPushing A to B: 100% (12.34MB/s)\r   \r".
                text = text.split(separator: "\r").first.map { $0.replacingOccurrences(of: #"\(.*/s\)"#, with: "(…/s)", options: .regularExpression) } ?? ""
                return "`\\r" + text + "\\r…`"
            }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let line = String(lines.first ?? "")
            let more = lines.count > 2 ? " (+\(lines.count - 2) lines)" : ""
            return "`" + line.replacingOccurrences(of: "|", with: "\\|") + "`" + more
        }
        var parts = ["\(r.shellStatus)"]
        if let out = first(r.stdout) { parts.append("out " + out) }
        if let err = first(r.stderr) { parts.append("err " + err) }
        return parts.joined(separator: "; ")
    }

    static func render() throws -> String {
        let dir = AsLXCBed.scratch("table")
        _ = try lxc("exec", c, "--", "sh", "-c", "mkdir -p /tmp/asx-table-evil && echo x > /tmp/asx-table-evil/ok && ln -sf /etc/passwd /tmp/asx-table-evil/passwd")
        var lines = [
            "| Situation | Arguments | real `lxc` (LXD 5.0.2) | lxattach as `lxc` | `lxattach` |",
            "|---|---|---|---|---|",
        ]
        for row in rows {
            var cells: [String] = []
            let env: [String: String?] = row.environment.merging(["LXD_CONF": Testbed.conf]) { a, _ in a }
            let stdin: CommandInput = row.stdin.map { .text($0) } ?? .null
            for program in ["/usr/bin/lxc", AsLXCBed.links + "/lxc", try Built.lxattach()] {
                try? FileManager.default.removeItem(atPath: dir + "/out")
                var programEnv = env
                programEnv["PATH"] = AsLXCBed.path
                let r = try runCommand(program, row.arguments, environment: programEnv, stdin: stdin, directory: dir)
                cells.append(cell(r))
            }
            let args = row.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
            lines.append("| \(row.what) | `\(args.replacingOccurrences(of: "|", with: "\\|"))` | " + cells.joined(separator: " | ") + " |")
        }
        _ = try lxc("exec", c, "--", "rm", "-rf", "/tmp/asx-table-evil", "/tmp/asx-table")
        return lines.joined(separator: "\n") + "\n"
    }

    static var docPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Docs/as-lxc.md").path
    }

    func testTheDocsTableIsWhatTheProgramsDo() throws {
        let begin = "<!-- table: generated by AsLXCTableTests, LXATTACH_UPDATE_DOCS=1 to rewrite -->\n"
        let end = "<!-- end of table -->\n"
        let table = try Self.render()
        let doc = try String(contentsOfFile: Self.docPath, encoding: .utf8)
        guard let b = doc.range(of: begin), let e = doc.range(of: end), b.upperBound <= e.lowerBound else {
            return XCTFail("\(Self.docPath) has no table markers")
        }
        let current = String(doc[b.upperBound..<e.lowerBound])
        if ProcessInfo.processInfo.environment["LXATTACH_UPDATE_DOCS"] == "1" {
            try (String(doc[..<b.upperBound]) + table + String(doc[e.lowerBound...])).write(toFile: Self.docPath, atomically: true, encoding: .utf8)
            return
        }
        XCTAssertEqual(current, table, "Docs/as-lxc.md's table is stale: rerun with LXATTACH_UPDATE_DOCS=1")
    }
}
