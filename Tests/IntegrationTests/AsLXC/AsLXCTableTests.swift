// The table of Docs/as-lxc.md, generated: each row is run with the real /usr/bin/lxc,
// with lxattach's `lxc` link and with `lxattach`, and each cell is what a script sees
// (exit status, first stdout line, first stderr line). The test fails when the file's
// table is not what the three programs do now; LXATTACH_UPDATE_DOCS=1 rewrites it.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class AsLXCTableTests: IntegrationTestCase {
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

    static let i = DebianBed.incusRunning[0]

    /// Incus: the real client against the `incus` link (lxattach's own column as above).
    static let incusRows: [Row] = [
        Row(what: "unknown instance", arguments: ["exec", "lxa-nonexistent", "--", "true"]),
        Row(what: "stopped instance", arguments: ["exec", DebianBed.incusStopped, "--", "true"]),
        Row(what: "unknown project", arguments: ["--project", "nosuch", "exec", i, "--", "true"]),
        Row(what: "daemon unreachable (INCUS_SOCKET=/nonexistent)", arguments: ["exec", i, "--", "true"],
            environment: ["INCUS_SOCKET": "/nonexistent"]),
        Row(what: "--env K without = (K=local here)", arguments: ["exec", "--env", "K", i, "--", "sh", "-c", "echo \"K=$K\""],
            environment: ["K": "local"]),
        Row(what: "no command", arguments: ["exec", i]),
        Row(what: "file pull of a missing file", arguments: ["file", "pull", "--quiet", "\(i)/nonexistent", "-"]),
        Row(what: "file push to a missing folder", arguments: ["file", "push", "--quiet", "-", "\(i)/nonexistent/x"], stdin: "x"),
        Row(what: "file pull to stdout", arguments: ["file", "pull", "--quiet", "\(i)/etc/debian_version", "-"]),
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

    /// The table for `rows` run by the real client at `real`, the link `link`, and lxattach.
    static func render(_ rows: [Row], real: String, link: String, base: [String: String?]) throws -> String {
        let dir = AsLXCBed.scratch("table")
        let client = URL(fileURLWithPath: real).lastPathComponent
        var lines = [
            "| Situation | Arguments | real `\(client)` | lxattach as `\(client)` | `lxattach\(client == "incus" ? " --incus" : "")` |",
            "|---|---|---|---|---|",
        ]
        for row in rows {
            var cells: [String] = []
            var env = base
            for (k, v) in row.environment { env[k] = v }
            env["PATH"] = AsLXCBed.path
            let stdin: CommandInput = row.stdin.map { .text($0) } ?? .null
            for (program, extra) in [(real, [String]()), (link, []), (try Built.lxattach(), client == "incus" ? ["--incus"] : [])] {
                try? FileManager.default.removeItem(atPath: dir + "/out")
                // lxattach takes --incus after the verb (exec/file push/file pull).
                var args = row.arguments
                if !extra.isEmpty, let verb = args.firstIndex(where: { $0 == "exec" || $0 == "push" || $0 == "pull" }) {
                    args.insert(contentsOf: extra, at: verb + 1)
                }
                let r = try runCommand(program, args, environment: env, stdin: stdin, directory: dir)
                cells.append(cell(r))
            }
            let args = row.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
            lines.append("| \(row.what) | `\(args.replacingOccurrences(of: "|", with: "\\|"))` | " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func render() throws -> String {
        _ = try lxc("exec", c, "--", "sh", "-c", "mkdir -p /tmp/asx-table-evil && echo x > /tmp/asx-table-evil/ok && ln -sf /etc/passwd /tmp/asx-table-evil/passwd")
        defer { _ = try? lxc("exec", c, "--", "rm", "-rf", "/tmp/asx-table-evil", "/tmp/asx-table") }
        return try render(rows, real: "/usr/bin/lxc", link: AsLXCBed.links + "/lxc", base: ["LXD_CONF": Testbed.conf])
    }

    static func renderIncus() throws -> String {
        // A config folder with the config.yml incus writes on its first run (without one it
        // prints its first-run banner): the local socket only.
        let conf = AsLXCBed.scratch("incus-conf")
        _ = try runCommand("/usr/bin/incus", ["remote", "list"], environment: ["INCUS_CONF": conf])
        return try render(incusRows, real: "/usr/bin/incus", link: AsLXCBed.links + "/incus", base: ["INCUS_CONF": conf])
    }

    static var docPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Docs/as-lxc.md").path
    }

    /// Replaces (LXATTACH_UPDATE_DOCS=1) or checks the table between `marker`'s lines.
    private func check(_ marker: String, _ table: String) throws {
        let begin = "<!-- \(marker): generated by AsLXCTableTests, LXATTACH_UPDATE_DOCS=1 to rewrite -->\n"
        let end = "<!-- end of \(marker) -->\n"
        let doc = try String(contentsOfFile: Self.docPath, encoding: .utf8)
        guard let b = doc.range(of: begin), let e = doc.range(of: end), b.upperBound <= e.lowerBound else {
            return XCTFail("\(Self.docPath) has no \(marker) markers")
        }
        let current = String(doc[b.upperBound..<e.lowerBound])
        if ProcessInfo.processInfo.environment["LXATTACH_UPDATE_DOCS"] == "1" {
            try (String(doc[..<b.upperBound]) + table + String(doc[e.lowerBound...])).write(toFile: Self.docPath, atomically: true, encoding: .utf8)
            return
        }
        XCTAssertEqual(current, table, "Docs/as-lxc.md's \(marker) is stale: rerun with LXATTACH_UPDATE_DOCS=1")
    }

    func testTheDocsTableIsWhatTheProgramsDo() throws {
        try check("table", try Self.render())
    }

    func testTheIncusTableIsWhatTheProgramsDo() throws {
        try check("incus table", try Self.renderIncus())
    }
}
