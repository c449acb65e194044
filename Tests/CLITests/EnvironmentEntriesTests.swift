import XCTest

@testable import lxattach

/// `--env` and `--env-file`, as docker's `-e` and `--env-file`.
final class EnvironmentEntriesTests: XCTestCase {
    private let local = ["HOME": "/home/me", "EMPTY": "", "LANG": "C.UTF-8"]
    private var lookup: (String) -> String? { { self.local[$0] } }

    private func pairs(_ entries: [(String, String)]) -> [String] { entries.map { "\($0.0)=\($0.1)" } }

    private func file(_ text: String) throws(EnvironmentEntries.Problem) -> [String] {
        pairs(try EnvironmentEntries.entries(file: Array(text.utf8), path: "vars.env", lookup: lookup))
    }

    private func assertProblem(_ text: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try self.file(text), file: file, line: line) { error in
            XCTAssertEqual((error as? EnvironmentEntries.Problem)?.description, expected, file: file, line: line)
        }
    }

    func testAnArgumentWithAValueIsTakenVerbatim() throws {
        XCTAssertEqual(pairs([try EnvironmentEntries.entry(argument: "A=b=c ", lookup: lookup)]), ["A=b=c "])
        XCTAssertEqual(pairs([try EnvironmentEntries.entry(argument: "A=", lookup: lookup)]), ["A="])
    }

    func testAnArgumentWithoutAValuePassesTheLocalValue() throws {
        XCTAssertEqual(pairs([try EnvironmentEntries.entry(argument: "HOME", lookup: lookup)]), ["HOME=/home/me"])
        XCTAssertEqual(pairs([try EnvironmentEntries.entry(argument: "EMPTY", lookup: lookup)]), ["EMPTY="],
                       "set but empty is still set")
    }

    func testAnArgumentUnsetLocallyIsAClearError() {
        XCTAssertThrowsError(try EnvironmentEntries.entry(argument: "NOPE", lookup: lookup)) { error in
            XCTAssertEqual("\(error)", "--env NOPE: NOPE is not set in the local environment")
        }
        XCTAssertThrowsError(try EnvironmentEntries.entry(argument: "=x", lookup: lookup)) { error in
            XCTAssertEqual("\(error)", "--env \"=x\": no variable name before \"=\"")
        }
    }

    func testAFileLikeDockers() throws {
        let text = """
            # a comment
            A=1

              B=two words  
            \tC=#not a comment
            HOME
            D="quoted"
            E=
            EMPTY

            """
        XCTAssertEqual(try file(text), ["A=1", "B=two words  ", "C=#not a comment", "HOME=/home/me", "D=\"quoted\"", "E=", "EMPTY="])
    }

    func testCRLFAByteOrderMarkAndNoFinalNewline() throws {
        XCTAssertEqual(try file("\u{FEFF}A=1\r\nB=2\r\n#c\r\n\r\nC=3"), ["A=1", "B=2", "C=3"])
        XCTAssertEqual(try file(""), [])
        XCTAssertEqual(try file("\n\n# only comments\n"), [])
    }

    func testBadLinesNameTheirLineNumber() {
        assertProblem("A=1\nNOPE\n", "--env-file vars.env line 2: NOPE is not set in the local environment")
        assertProblem("A=1\n\n=x\n", "--env-file vars.env line 3: no variable name before \"=\" in \"=x\"")
        assertProblem("A B=1", "--env-file vars.env line 1: variable name \"A B\" contains whitespace")
        assertProblem("# ok\nHOME \n", "--env-file vars.env line 2: variable name \"HOME \" contains whitespace")
        XCTAssertThrowsError(try EnvironmentEntries.entries(file: Array("A=1\n".utf8) + [0x42, 0x3D, 0xFF], path: "f", lookup: lookup)) { error in
            XCTAssertEqual("\(error)", "--env-file f line 2: not valid UTF-8")
        }
    }

    func testExecAndShellTakeTheOptions() throws {
        let exec = try ExecCommand.parse(["c1", "--env-file", "a.env", "--env", "K", "--env-file", "b.env", "--", "true"])
        XCTAssertEqual(exec.envOptions.envFile, ["a.env", "b.env"])
        XCTAssertEqual(exec.envOptions.env, ["K"])
        let shell = try ShellCommand.parse(["c1", "--env-file", "a.env", "--env", "A=b"])
        XCTAssertEqual(shell.envOptions.envFile, ["a.env"])
        XCTAssertEqual(shell.envOptions.env, ["A=b"])
    }

    func testShellCarriesTheEntriesPastSuL() {
        XCTAssertEqual(ShellCommand.loginCommand(carrying: []), ["su", "-l"])
        XCTAssertEqual(ShellCommand.loginCommand(carrying: [("A", "it's $x"), ("B", "")]),
                       ["su", "-l", "-c", #"exec env -- 'A=it'\''s $x' 'B=' "$SHELL" -l"#])
    }
}
