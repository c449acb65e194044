import XCTest

/// `-t` with piped stdin: the command's whole PTY transcript (the terminal's echo of the
/// input, then what the command prints: commands chosen so that the order is fixed) must
/// arrive, with the command's status and nothing on stderr.
///
/// LXD 5.0.2 sometimes drops the last PTY output of a command that exits right after
/// writing it (its exec mirror stops reading the PTY when the process dies: protocol
/// notes §9 item 6, fixed in LXD 5.14; measured in Docs/robustness.md). So with `lxdLostTail` one
/// retry is allowed, and only for that loss: what arrived must be a proper prefix of the
/// transcript (a lost tail), never other bytes, and the retry must be complete. Incus 6.0
/// does not lose it: no retry there.
func assertForcedPTYTranscript(
    lxdLostTail: Bool, status: Int32, transcript: String,
    file: StaticString = #filePath, line: UInt = #line,
    _ run: () throws -> CommandResult
) rethrows {
    var outputs: [String] = []
    for attempt in 1...(lxdLostTail ? 2 : 1) {
        let r = try run()
        XCTAssertFalse(r.timedOut, "\(r)", file: file, line: line)
        XCTAssertEqual(r.status, status, "\(r)", file: file, line: line)
        XCTAssertEqual(r.stderrText, "", "\(r)", file: file, line: line)
        guard r.status == status, !r.timedOut else { return }
        if r.stdoutText == transcript { return }
        outputs.append(r.stdoutText)
        let lostTail = transcript.hasPrefix(r.stdoutText)
        if !lostTail || attempt == 2 || !lxdLostTail { break }
    }
    XCTFail("expected the transcript \(transcript.debugDescription), got \(outputs)", file: file, line: line)
}
