import ArgumentParser
import LXD
import XCTest

@testable import lxattach

/// The CLI's pure parts: argument handling like lxc's, and lxc's table layouts.
final class CLITests: XCTestCase {
    func testGlobalOptionsBeforeTheVerbMoveAfterTheCommandPath() {
        XCTAssertEqual(LXAttach.hoistGlobalOptions(["--debug", "exec", "c1", "--", "true"]),
                       ["exec", "--debug", "c1", "--", "true"])
        XCTAssertEqual(LXAttach.hoistGlobalOptions(["--project", "p", "operation", "list", "tls:"]),
                       ["operation", "list", "--project", "p", "tls:"])
        XCTAssertEqual(LXAttach.hoistGlobalOptions(["--project=p", "--incus", "shell", "c1"]),
                       ["shell", "--project=p", "--incus", "c1"])
        // Nothing to move, or an unknown verb: untouched (the parser reports it).
        XCTAssertEqual(LXAttach.hoistGlobalOptions(["exec", "c1", "--", "true"]), ["exec", "c1", "--", "true"])
        XCTAssertEqual(LXAttach.hoistGlobalOptions(["--debug", "bogus"]), ["--debug", "bogus"])
    }

    func testUsageErrorsPointToTheSubcommandPath() {
        XCTAssertEqual(LXAttach.commandPath(["operation", "show"]), ["operation", "show"])
        XCTAssertEqual(LXAttach.commandPath(["operation", "ls", "--bogus"]), ["operation", "ls"])
        XCTAssertEqual(LXAttach.commandPath(["operation", "bogus"]), ["operation"])
        XCTAssertEqual(LXAttach.commandPath(["exec", "show"]), ["exec"])
        XCTAssertEqual(LXAttach.commandPath(["--bogus", "exec"]), [])
        XCTAssertEqual(LXAttach.commandPath([]), [])
    }

    func testExecTakesOptionsAfterTheInstanceAndTheCommandVerbatim() throws {
        let cmd = try ExecCommand.parse(["c1", "--env", "A=b", "-T", "--user", "1000", "--", "sh", "-c", "echo --env", "-t"])
        XCTAssertEqual(cmd.instance, "c1")
        XCTAssertEqual(cmd.envOptions.env, ["A=b"])
        XCTAssertEqual(cmd.user, 1000)
        XCTAssertTrue(cmd.forceNoninteractive)
        XCTAssertFalse(cmd.forceInteractive, "-t after -- belongs to the command")
        XCTAssertEqual(cmd.argv, ["sh", "-c", "echo --env", "-t"])
    }

    func testExecRejectsContradictoryOrMissingInput() {
        XCTAssertThrowsError(try ExecCommand.parse(["c1", "-t", "-T", "--", "sh"]))
        XCTAssertThrowsError(try ExecCommand.parse(["c1", "-t", "--mode", "interactive", "--", "sh"]))
        XCTAssertThrowsError(try ExecCommand.parse(["c1"]), "a command is required")
        XCTAssertThrowsError(try ExecCommand.parse(["c1", "--env", "=x", "--", "true"]))
        XCTAssertThrowsError(try ExecCommand.parse(["c1", "--user", "root", "--", "true"]), "uids are numeric")
        XCTAssertThrowsError(try ExecCommand.parse(["c1", "--mode", "sometimes", "--", "true"]))
    }

    func testLxcDateColumn() {
        XCTAssertEqual(lxcDate("2026-11-29T12:06:21.489916915Z"), "2026/11/29 12:06 UTC")
        XCTAssertEqual(lxcDate("garbage"), "garbage")
    }

    func testTableLayoutIsTablewriters() {
        let text = Table.render(headers: ["ID", "TYPE"], rows: [["a", "WEBSOCKET"], ["bb", "TASK"]])
        XCTAssertEqual(text, """
            +----+-----------+
            | ID |   TYPE    |
            +----+-----------+
            | a  | WEBSOCKET |
            +----+-----------+
            | bb | TASK      |
            +----+-----------+

            """)
    }

    func testCSVQuotesWhatNeedsIt() {
        XCTAssertEqual(Table.csv(rows: [["a", "b,c", "say \"hi\""]]), "a,\"b,c\",\"say \"\"hi\"\"\"\n")
    }

    /// lxc sorts table rows with `cli.SortColumnsNaturally`: digits before letters,
    /// numbers by value, empty cells last, then the next column.
    func testRowsSortNaturallyLikeLxc() {
        XCTAssertTrue(NaturalOrder.less("9abc", "10ab"), "9 < 10 by value")
        XCTAssertTrue(NaturalOrder.less("37b89748", "c6ea406a"), "a digit sorts before a letter")
        XCTAssertTrue(NaturalOrder.less("a9", "a10"))
        XCTAssertTrue(NaturalOrder.less("a01", "a001"), "equal values: fewer leading zeros first")
        XCTAssertTrue(NaturalOrder.less("a", "a0"), "a prefix sorts first")
        XCTAssertFalse(NaturalOrder.less("abc", "abc"))
        XCTAssertTrue(NaturalOrder.less("B", "a"), "non-digits compare bytewise")
        let rows = [["c6ea", "TOKEN", "node1"], ["37b8", "WEBSOCKET", ""], ["37b8", "WEBSOCKET", "node2"], ["10ab", "X", "n"], ["9abc", "X", "n"]]
        XCTAssertEqual(NaturalOrder.sorted(rows).map { $0.joined(separator: ",") },
                       ["9abc,X,n", "10ab,X,n", "37b8,WEBSOCKET,node2", "37b8,WEBSOCKET,", "c6ea,TOKEN,node1"])
    }
}

/// lxc's console escape, byte by byte.
final class ConsoleEscapeTests: XCTestCase {
    private func run(_ escape: ConsoleEscape, _ bytes: [UInt8]) -> ExecInputDecision {
        bytes.withUnsafeBytes { escape.filter($0) }
    }

    func testPlainInputIsSentAsItIs() {
        XCTAssertEqual(run(ConsoleEscape(), Array("ls\r".utf8)), .send)
    }

    func testCtrlAThenQDetachesAfterWhatCameBefore() {
        XCTAssertEqual(run(ConsoleEscape(), [0x61, 0x01, 0x71, 0x62]), .detach([0x61]))
    }

    func testCtrlAThenAnotherByteSendsBoth() {
        XCTAssertEqual(run(ConsoleEscape(), [0x01, 0x78]), .replace([0x01, 0x78]))
    }

    func testACtrlAAtTheEndOfAChunkWaitsForTheNext() {
        let e = ConsoleEscape()
        XCTAssertEqual(run(e, [0x61, 0x01]), .replace([0x61]))
        XCTAssertEqual(run(e, [0x71]), .detach([]))
        let f = ConsoleEscape()
        XCTAssertEqual(run(f, [0x01]), .replace([]))
        XCTAssertEqual(run(f, [0x7A]), .replace([0x01, 0x7A]))
    }
}

/// `exec`'s hot path parses a single exec without the fan-out options; anything else goes
/// to the full `ExecCommand`.
final class SingleExecParsingTests: XCTestCase {
    func testAPlainNameTakesTheHotPath() throws {
        let parsed = try XCTUnwrap(try SingleExecCommand.parseAsRoot(["lxa-c1", "--env", "A=b", "--", "sh", "-c", "true"]) as? SingleExecCommand)
        XCTAssertEqual(parsed.instance, "lxa-c1")
        XCTAssertEqual(parsed.argv, ["sh", "-c", "true"])
        XCTAssertEqual(parsed.envOptions.env, ["A=b"])
    }

    func testListsRangesGlobsAndFanOutOptionsDoNot() {
        for args in [["a,b", "--", "true"], ["web[1-2]", "--", "true"], ["web-*", "--", "true"],
                     ["--parallel", "3", "c1", "--", "true"], ["--all", "--", "true"], ["c1"]] {
            XCTAssertNil(try? SingleExecCommand.parseAsRoot(args), "\(args)")
            if args != ["c1"] { XCTAssertNotNil(try? ExecCommand.parseAsRoot(args), "\(args)") }
        }
    }
}
