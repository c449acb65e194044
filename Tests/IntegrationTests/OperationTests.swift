// `lxattach operation list|show|wait|delete` against the real daemon, over the unix
// socket (remote `local`, the default) and over TLS (remote `tls:`), checked against
// what the real `lxc` sees. The daemon is shared with other engineers' tests, so
// every test finds its own operation by a unique marker in the command line; each
// operation stays Running until the test ends it (HeldExec), however slow the machine.
import Foundation
import XCTest
import Yams

#if canImport(Glibc)
import Glibc
#endif

/// Parsing helpers for the outputs (JSON, YAML, table, CSV, compact).
enum OpsParse {
    static func json(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Any? {
        do {
            return try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        } catch {
            XCTFail("not JSON (\(error)): \(text.prefix(400))", file: file, line: line)
            return nil
        }
    }

    static func yaml(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> Any? {
        do {
            return try Yams.load(yaml: text)
        } catch {
            XCTFail("not YAML (\(error)): \(text.prefix(400))", file: file, line: line)
            return nil
        }
    }

    /// The operation objects of a JSON / YAML list.
    static func objects(_ value: Any?) -> [[String: Any]] {
        (value as? [Any])?.compactMap { $0 as? [String: Any] } ?? []
    }

    /// `metadata.command` of an operation, joined by spaces.
    static func command(_ op: [String: Any]) -> String {
        (((op["metadata"] as? [String: Any])?["command"] as? [Any]) ?? []).map { "\($0)" }.joined(separator: " ")
    }

    /// Rows (header first) of a bordered table: `| a | b |` lines.
    static func table(_ text: String) -> [[String]] {
        text.split(separator: "\n").filter { $0.hasPrefix("|") }.map { line in
            line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    static func csv(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    /// Rows (header first) of `--format compact`: cells are separated by 2+ spaces.
    static func compact(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { line in
            line.trimmingCharacters(in: .whitespaces)
                .components(separatedBy: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
    }

    /// The operation ids in `lxc operation list [remote:] --format json` right now.
    static func lxcOperations(remote: String = "", file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        let args = ["operation", "list"] + (remote.isEmpty ? [] : [remote]) + ["--format", "json"]
        let r = try reference { try runCommand("lxc", args, environment: ["LXD_CONF": Testbed.conf], file: file, line: line) }
        XCTAssertEqual(r.status, 0, "\(r)", file: file, line: line)
        return objects(json(r.stdoutText, file: file, line: line))
    }
}

final class OperationTests: IntegrationTestCase {
    /// Both ways to reach the daemon: the unix socket (default remote) and https.
    private let remotes = ["", "\(Testbed.remote):"]

    /// Waits until the real lxc lists an operation whose command has `marker` and whose
    /// status is `status`; returns its id.
    private func operationID(marker: String, status: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        var id: String?
        try waitUntil("an operation for \(marker) with status \(status)", timeout: 10, interval: 0.1, file: file, line: line) {
            id = try OpsParse.lxcOperations(file: file, line: line)
                .first { OpsParse.command($0).contains(marker) && ($0["status"] as? String) == status }?["id"] as? String
            return id != nil
        }
        return try XCTUnwrap(id, file: file, line: line)
    }

    private func assertEnded(_ held: HeldExec, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(held.end(file: file, line: line), 0, "the background exec did not end well", file: file, line: line)
    }

    /// `metadata.fds` of an operation object.
    private func fds(_ op: [String: Any]?) -> [String: String] {
        ((op?["metadata"] as? [String: Any])?["fds"] as? [String: String]) ?? [:]
    }

    func testListInEveryFormatShowsTheRunningExecOverUnixAndTLS() throws {
        let bg = try HeldExec()
        let id = try operationID(marker: bg.marker, status: "Running")
        for remote in remotes {
            func list(_ format: String) throws -> CommandResult {
                var args = ["operation", "list"]
                if !remote.isEmpty { args.append(remote) }
                let r = try lxattach(args + ["--format", format])
                XCTAssertEqual(r.status, 0, "\(r)")
                XCTAssertEqual(r.stderrText, "", "\(r)")
                return r
            }

            // JSON: the daemon's objects.
            let json = OpsParse.objects(OpsParse.json(try list("json").stdoutText))
            let fromJSON = try XCTUnwrap(json.first { $0["id"] as? String == id }, "\(remote) json lacks \(id)")
            XCTAssertEqual(fromJSON["class"] as? String, "websocket")
            XCTAssertEqual(fromJSON["status"] as? String, "Running")
            XCTAssertEqual(fromJSON["status_code"] as? Int, 103)
            XCTAssertEqual(fromJSON["description"] as? String, "Executing command")
            XCTAssertEqual(fromJSON["may_cancel"] as? Bool, false)
            XCTAssertTrue(OpsParse.command(fromJSON).contains(bg.marker))
            XCTAssertEqual(Set(fds(fromJSON).values), ["<redacted>"], "secrets shown without --show-secrets")

            // YAML: the same objects.
            let yaml = OpsParse.objects(OpsParse.yaml(try list("yaml").stdoutText))
            let fromYAML = try XCTUnwrap(yaml.first { $0["id"] as? String == id }, "\(remote) yaml lacks \(id)")
            XCTAssertEqual(fromYAML["class"] as? String, "websocket")
            XCTAssertEqual(fromYAML["status"] as? String, "Running")
            XCTAssertEqual(fromYAML["status_code"] as? Int, 103)
            XCTAssertEqual(fromYAML["description"] as? String, "Executing command")
            XCTAssertTrue(OpsParse.command(fromYAML).contains(bg.marker))
            XCTAssertEqual(Set(fds(fromYAML).values), ["<redacted>"], "secrets shown without --show-secrets")

            // Table, CSV, compact: lxc's columns, class and status upper-cased.
            let expected = ["WEBSOCKET", "Executing command", "RUNNING", "NO"]
            let table = try list("table")
            let tableRows = OpsParse.table(table.stdoutText)
            XCTAssertEqual(tableRows.first, ["ID", "TYPE", "DESCRIPTION", "STATUS", "CANCELABLE", "CREATED"], "\(table)")
            let tableRow = try XCTUnwrap(tableRows.first { $0.first == id }, "\(remote) table lacks \(id): \(table)")
            XCTAssertEqual(Array(tableRow[1...4]), expected)
            XCTAssertNotNil(tableRow[5].range(of: #"^\d{4}/\d\d/\d\d \d\d:\d\d UTC$"#, options: .regularExpression), "\(tableRow)")
            // Borders like lxc's: a separator line above, below the header and under every row.
            let lines = table.stdoutText.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            for (n, l) in lines.enumerated() {
                XCTAssertEqual(l.hasPrefix("+-"), n != 1 && n % 2 == 0, "line \(n): \(l)")
            }
            XCTAssertTrue(table.stdoutText.hasSuffix("+\n"), "\(table)")

            let csv = try list("csv")
            let csvRow = try XCTUnwrap(OpsParse.csv(csv.stdoutText).first { $0.first == id }, "\(remote) csv lacks \(id): \(csv)")
            XCTAssertEqual(csvRow.count, 6, "\(csvRow)")
            XCTAssertEqual(Array(csvRow[1...4]), expected)
            XCTAssertFalse(csv.stdoutText.contains("ID,TYPE"), "csv has no header, like lxc: \(csv)")

            let compact = try list("compact")
            let compactRows = OpsParse.compact(compact.stdoutText)
            XCTAssertEqual(compactRows.first, ["ID", "TYPE", "DESCRIPTION", "STATUS", "CANCELABLE", "CREATED"], "\(compact)")
            let compactRow = try XCTUnwrap(compactRows.first { $0.first == id }, "\(remote) compact lacks \(id): \(compact)")
            XCTAssertEqual(Array(compactRow[1...4]), expected)
        }
        assertEnded(bg)
    }

    func testShowAsYAMLAndJSONMatchesTheDaemonOverUnixAndTLS() throws {
        let bg = try HeldExec()
        let id = try operationID(marker: bg.marker, status: "Running")
        // What the daemon says, through the real lxc.
        let q = try reference { try lxc("query", "/1.0/operations/\(id)") }
        XCTAssertEqual(q.status, 0, "\(q)")
        let truth = try XCTUnwrap(OpsParse.json(q.stdoutText) as? [String: Any], "\(q)")
        let secrets = Array(fds(truth).values)
        XCTAssertEqual(secrets.count, 4, "\(truth)")
        let theirs = try reference { try lxc("operation", "show", id) }
        XCTAssertEqual(theirs.status, 0, "\(theirs)")

        for remote in remotes {
            // With --show-secrets: byte for byte what lxc prints.
            let shown = try lxattach(["operation", "show", "--show-secrets", remote + id])
            XCTAssertEqual(shown.status, 0, "\(shown)")
            XCTAssertEqual(shown.stderrText, "", "\(shown)")
            XCTAssertEqual(shown.stdoutText, theirs.stdoutText, "lxattach vs lxc operation show")

            // Without: the same document, every fd secret replaced.
            let yaml = try lxattach(["operation", "show", remote + id])
            XCTAssertEqual(yaml.status, 0, "\(yaml)")
            for secret in secrets { XCTAssertFalse(yaml.stdoutText.contains(secret), "a secret shown: \(yaml)") }
            var redacted = theirs.stdoutText
            for secret in secrets { redacted = redacted.replacingOccurrences(of: secret, with: "<redacted>") }
            XCTAssertEqual(yaml.stdoutText, redacted)

            // --format json: the daemon's object, fds redacted unless asked.
            let json = try lxattach(["operation", "show", "--format", "json", remote + id])
            XCTAssertEqual(json.status, 0, "\(json)")
            var object = try XCTUnwrap(OpsParse.json(json.stdoutText) as? [String: Any], "\(json)")
            XCTAssertEqual(Set(fds(object).values), ["<redacted>"], "\(json)")
            var metadata = object["metadata"] as? [String: Any] ?? [:]
            metadata["fds"] = fds(truth)
            object["metadata"] = metadata
            XCTAssertEqual(object as NSDictionary, truth as NSDictionary)
            let full = try lxattach(["operation", "show", "--format", "json", "--show-secrets", remote + id])
            XCTAssertEqual(OpsParse.json(full.stdoutText) as? NSDictionary, truth as NSDictionary, "\(full)")
        }
        assertEnded(bg)
    }

    func testWaitTimesOutWith124ThenWaitsForSuccessOverUnixAndTLS() throws {
        let bg = try HeldExec()
        let id = try operationID(marker: bg.marker, status: "Running")

        // --timeout 1 on a running operation: 124, the still-running operation printed.
        let timedOut = try lxattach(["operation", "wait", "--timeout", "1", id])
        XCTAssertEqual(timedOut.status, 124, "\(timedOut)")
        XCTAssertEqual(timedOut.stderrText, "", "\(timedOut)")
        let running = try XCTUnwrap(OpsParse.yaml(timedOut.stdoutText) as? [String: Any], "\(timedOut)")
        XCTAssertEqual(running["id"] as? String, id)
        XCTAssertEqual(running["status"] as? String, "Running")

        // Over TLS, no limit: still waiting while the command runs, returns when it ends,
        // with its exit status.
        let waiter = try LiveChild(["operation", "wait", "\(Testbed.remote):\(id)"])
        usleep(500_000)
        XCTAssertTrue(waiter.process.isRunning, "wait returned while the command ran: \(waiter)")
        assertEnded(bg)
        guard waiter.wait(timeout: 20) else { return }
        XCTAssertEqual(waiter.status, 0, "\(waiter)")
        XCTAssertEqual(waiter.stderrText, "", "\(waiter)")
        let final = try XCTUnwrap(OpsParse.yaml(waiter.stdoutText) as? [String: Any], "\(waiter)")
        XCTAssertEqual(final["id"] as? String, id)
        XCTAssertEqual(final["status"] as? String, "Success")
        XCTAssertEqual(final["status_code"] as? Int, 200)
        XCTAssertEqual((final["metadata"] as? [String: Any])?["return"] as? Int, 0, "\(final)")

        // The finished operation lingers a few seconds: wait returns it, JSON this time.
        let again = try lxattach(["operation", "wait", "--format", "json", id], timeout: 20)
        XCTAssertEqual(again.status, 0, "\(again)")
        let object = try XCTUnwrap(OpsParse.json(again.stdoutText) as? [String: Any], "\(again)")
        XCTAssertEqual(object["status"] as? String, "Success")
        XCTAssertEqual((object["metadata"] as? [String: Any])?["return"] as? Int, 0)
    }

    func testWaitForAFailedOperationExitsOneOverUnixAndTLS() throws {
        let missing = "/nonexistent-lxa-ops-\(getpid())-\(UUID().uuidString.prefix(8).lowercased())"
        let exec = try lxattach(["exec", Testbed.c1, "--", missing])
        XCTAssertEqual(exec.status, 127, "\(exec)")
        let id = try operationID(marker: missing, status: "Failure")

        let yaml = try lxattach(["operation", "wait", id])
        XCTAssertEqual(yaml.status, 1, "\(yaml)")
        XCTAssertEqual(yaml.stderrText, "", "\(yaml)")
        let op = try XCTUnwrap(OpsParse.yaml(yaml.stdoutText) as? [String: Any], "\(yaml)")
        XCTAssertEqual(op["id"] as? String, id)
        XCTAssertEqual(op["status"] as? String, "Failure")
        XCTAssertEqual(op["status_code"] as? Int, 400)
        XCTAssertEqual(op["err"] as? String, "Command not found")
        XCTAssertEqual((op["metadata"] as? [String: Any])?["return"] as? Int, 127)

        let json = try lxattach(["operation", "wait", "--format", "json", "\(Testbed.remote):\(id)"])
        XCTAssertEqual(json.status, 1, "\(json)")
        let object = try XCTUnwrap(OpsParse.json(json.stdoutText) as? [String: Any], "\(json)")
        XCTAssertEqual(object["status"] as? String, "Failure")
        XCTAssertEqual(object["err"] as? String, "Command not found")
    }

    func testDeleteOfARunningExecIsRefusedOverUnixAndTLS() throws {
        let bg = try HeldExec()
        let id = try operationID(marker: bg.marker, status: "Running")
        for remote in remotes {
            let r = try lxattach(["operation", "delete", remote + id])
            XCTAssertEqual(r.status, 255, "\(r)")
            XCTAssertEqual(r.stdoutText, "", "\(r)")
            let lines = r.stderrText.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(r)")
            XCTAssertTrue(r.stderrText.hasPrefix("Error: "), "\(r)")
            XCTAssertTrue(r.stderrText.contains("can't be cancelled"), "\(r)")
            XCTAssertTrue(r.stderrText.contains(id), "\(r)")
        }
        // Refused means untouched: still running, and it ends normally.
        let show = try lxattach(["operation", "show", "--format", "json", id])
        XCTAssertEqual((OpsParse.json(show.stdoutText) as? [String: Any])?["status"] as? String, "Running", "\(show)")
        assertEnded(bg)
    }

    /// Every operation that lxc sees both just before and just after our list must be in
    /// ours, and ours may only hold operations lxc saw at one of those times.
    func testListIDsMatchTheRealLxcOverUnixAndTLS() throws {
        let bg = try HeldExec()
        let id = try operationID(marker: bg.marker, status: "Running")
        for remote in remotes {
            let before = Set(try OpsParse.lxcOperations(remote: remote).compactMap { $0["id"] as? String })
            var args = ["operation", "list", "--format", "json"]
            if !remote.isEmpty { args.append(remote) }
            let r = try lxattach(args)
            let after = Set(try OpsParse.lxcOperations(remote: remote).compactMap { $0["id"] as? String })
            XCTAssertEqual(r.status, 0, "\(r)")
            let ours = OpsParse.objects(OpsParse.json(r.stdoutText)).compactMap { $0["id"] as? String }
            XCTAssertEqual(ours.count, Set(ours).count, "duplicate ids: \(ours)")
            XCTAssertTrue(ours.contains(id), "\(remote): \(ours)")
            XCTAssertTrue(before.intersection(after).isSubset(of: Set(ours)), "\(remote): lxc \(before) / \(after), ours \(ours)")
            XCTAssertTrue(Set(ours).isSubset(of: before.union(after)), "\(remote): lxc \(before) / \(after), ours \(ours)")
        }
        assertEnded(bg)
    }

    /// `operation list` as table, CSV and compact, byte for byte what `lxc operation list`
    /// prints for the same live operations, up to the order of the rows (lxc's order comes
    /// from Go map iteration: random). The daemon is shared: a comparison counts only when
    /// lxc's JSON list (ids and statuses) is the same just before and just after.
    func testListLayoutsMatchLxcByteForByte() throws {
        let bg = try HeldExec()
        _ = try operationID(marker: bg.marker, status: "Running")
        func state() throws -> [String] {
            try OpsParse.lxcOperations().map { "\($0["id"] ?? "") \($0["status"] ?? "")" }.sorted()
        }
        for format in ["table", "csv", "compact"] {
            var compared = false
            // Finished operations stay listed for 5 s, then vanish: wait (bounded) for a
            // moment when nothing changes.
            for _ in 0..<40 where !compared {
                let before = try state()
                let theirs = try reference { try lxc("operation", "list", "--format", format) }
                let ours = try lxattach(["operation", "list", "--format", format])
                guard try state() == before else {
                    usleep(250_000)
                    continue
                }
                compared = true
                XCTAssertEqual(theirs.status, 0, "\(theirs)")
                XCTAssertEqual(ours.status, 0, "\(ours)")
                XCTAssertTrue(ours.stdoutText.contains("RUNNING"), "\(ours)")
                func lines(_ r: CommandResult) -> [Substring] { r.stdoutText.split(separator: "\n", omittingEmptySubsequences: false) }
                XCTAssertEqual(lines(ours).sorted(), lines(theirs).sorted(), "--format \(format): lxattach vs lxc:\n\(ours.stdoutText)\n\(theirs.stdoutText)")
                // The head (borders and header) in place, and every row line followed by a
                // border line in the table.
                let head = format == "table" ? 3 : format == "compact" ? 1 : 0
                XCTAssertEqual(Array(lines(ours).prefix(head)), Array(lines(theirs).prefix(head)), format)
            }
            XCTAssertTrue(compared, "the daemon's operations never held still for --format \(format)")
        }
        assertEnded(bg)
    }
}
