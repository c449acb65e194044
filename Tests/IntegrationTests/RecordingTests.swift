// `--record FILE`: asciicast v2 files that a real player (asciinema 2.x) plays back as the
// bytes the terminal showed, from sessions in a real terminal (tmux) against the daemon.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class RecordingTests: IntegrationTestCase {
    private let prompt = ShellChecks.prompt

    /// A fresh path for a recording (the folder is removed at the end of the test).
    private func castPath(_ name: String = "session.cast") throws -> String {
        let dir = NSTemporaryDirectory() + "lxattach-record-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: dir) }
        return dir + "/" + name
    }

    /// A shell with colours, a character cut across two frames, an invalid byte, a resize
    /// and Ctrl-C: the player prints exactly what the terminal showed (the invalid byte as
    /// U+FFFD), the resize is an `r` event with the new size, nothing typed is recorded.
    func testShellSessionPlaysBackAsTheTerminalShowedIt() throws {
        let cast = try castPath()
        let tmux = try TmuxSession(width: 100, height: 30)
        defer { tmux.close() }
        // An --env value is carried by the login command, never shown in the title.
        let run = try RecordedRun(tmux, ["shell", "--env", "TOKEN=s3cret", "--record", cast, Testbed.c1])
        tmux.waitForPrefix(prompt)
        // Red, then the first two bytes of U+1F600, a pause (a frame of its own), its last
        // two bytes and a lone 0xFF.
        try tmux.type(#"printf '\033[31mred\033[0m \360\237'; sleep 0.3; printf '\230\200 \377 end\n'"#)
        tmux.waitFor("the output") { $0.contains { $0.hasPrefix("red 😀") && $0.hasSuffix("end") } }
        try tmux.resize(width: 90, height: 25)
        try tmux.type("stty size")
        tmux.waitForLine("25 90")
        try tmux.type("sleep 30")
        try tmux.keys("C-c")
        tmux.waitForPrefix(prompt, count: 4)
        try tmux.type("exit 3")
        XCTAssertEqual(run.waitForExit(), 3, tmux.capture())
        XCTAssertEqual(run.stderr, "")

        let recording = try Cast(path: cast)
        XCTAssertEqual(recording.header["version"] as? Int, 2)
        XCTAssertEqual(recording.header["width"] as? Int, 100)
        XCTAssertEqual(recording.header["height"] as? Int, 30)
        XCTAssertEqual(recording.header["title"] as? String, "local:\(Testbed.c1) su -l")
        XCTAssertFalse(String(decoding: recording.bytes, as: UTF8.self).contains("s3cret"))
        let env = try XCTUnwrap(recording.header["env"] as? [String: String])
        XCTAssertEqual(env["TERM"], "tmux-256color")
        XCTAssertNotNil(env["SHELL"])
        let timestamp = try XCTUnwrap(recording.header["timestamp"] as? Int)
        XCTAssertLessThan(abs(timestamp - Int(Date().timeIntervalSince1970)), 120)
        XCTAssertEqual(recording.events.filter { $0.1 == "r" }.map(\.2), ["90x25"])
        XCTAssertTrue(recording.events.allSatisfy { $0.1 == "o" || $0.1 == "r" }, "input recorded without --record-input")
        // The character cut in two arrives whole in one event, never as U+FFFD.
        XCTAssertTrue(recording.events.contains { $0.2.contains("😀 \u{FFFD} end") }, "\(recording.events)")
        XCTAssertTrue(recording.output.contains("^C"))

        let played = try asciinemaCat(cast)
        XCTAssertEqual(played.status, 0)
        // (tmux's capture is a pipe: its last bytes may come a moment later.)
        let shown = run.paneBytes { replacingInvalidUTF8($0) == played.bytes }
        XCTAssertEqual(played.bytes, replacingInvalidUTF8(shown),
                       "played:\n\(String(decoding: played.bytes, as: UTF8.self).debugDescription)\nshown:\n\(String(decoding: shown, as: UTF8.self).debugDescription)")
        XCTAssertTrue(String(decoding: played.bytes, as: UTF8.self).contains("\u{1b}[31mred\u{1b}[0m "))

        var info = stat()
        XCTAssertEqual(stat(cast, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
    }

    /// `--record-input`: what was typed is there as `i` events.
    func testRecordInputRecordsTheKeys() throws {
        let cast = try castPath()
        let tmux = try TmuxSession()
        defer { tmux.close() }
        let run = try RecordedRun(tmux, ["exec", "-t", "--record", cast, "--record-input", Testbed.c1, "--", "sh"])
        tmux.waitForPrefix(prompt)
        try tmux.type("echo typed-$((6*7))")
        tmux.waitForLine("typed-42")
        try tmux.keys("C-d")
        XCTAssertEqual(run.waitForExit(), 0, "stderr: \(run.stderr); screen: \(tmux.capture())")
        let recording = try Cast(path: cast)
        let input = recording.events.filter { $0.1 == "i" }.map(\.2).joined()
        XCTAssertTrue(input.contains("echo typed-$((6*7))\r"), input.debugDescription)
        XCTAssertTrue(input.hasSuffix("\u{04}"), input.debugDescription)
        XCTAssertEqual(recording.header["title"] as? String, "local:\(Testbed.c1) sh")
        XCTAssertEqual(try asciinemaCat(cast).status, 0)
    }

    /// SIGKILL in the middle of a session: the file still plays, up to its last line.
    func testKilledSessionStillPlays() throws {
        let cast = try castPath()
        let tmux = try TmuxSession()
        defer { tmux.close() }
        let run = try RecordedRun(tmux, ["shell", "--record", cast, Testbed.c1])
        tmux.waitForPrefix(prompt)
        try tmux.type("seq 1 200; echo done-$((2*21))")
        tmux.waitForLine("done-42")
        // The lines of the last loop turn reach the file at the turn's end.
        waitUntil("the output in the file") {
            String(decoding: FileManager.default.contents(atPath: cast) ?? Data(), as: UTF8.self).contains("done-42")
        }
        XCTAssertEqual(kill(try run.pid(), SIGKILL), 0)
        XCTAssertEqual(run.waitForExit(), 128 + SIGKILL)
        let recording = try Cast(path: cast)
        XCTAssertTrue(recording.output.contains("200\r\ndone-42"))
        let played = try asciinemaCat(cast)
        XCTAssertEqual(played.status, 0)
        let shown = replacingInvalidUTF8(run.paneBytes { replacingInvalidUTF8($0).starts(with: played.bytes) })
        XCTAssertEqual(Array(shown.prefix(played.bytes.count)), played.bytes, "not what the terminal showed")
        XCTAssertTrue(String(decoding: played.bytes, as: UTF8.self).contains("done-42"))
    }

    /// Non-interactive: stdout and stderr are both `o` events, in the order they came;
    /// the streams themselves stay separate and byte-exact, the status is the command's.
    func testNonInteractiveExecRecordsBothStreamsInArrivalOrder() throws {
        let cast = try castPath()
        let r = try lxattach(["exec", "--record", cast, Testbed.c1, "--",
                              "sh", "-c", "echo out1; sleep 0.3; echo err1 >&2; sleep 0.3; printf 'out2 \\351\\n'; exit 5"])
        XCTAssertEqual(r.status, 5, "\(r)")
        XCTAssertEqual(r.stdout, Array("out1\nout2 ".utf8) + [0xE9, 0x0A])
        XCTAssertEqual(r.stderrText, "err1\n")
        let recording = try Cast(path: cast)
        XCTAssertEqual(recording.events.map(\.1), ["o", "o", "o"])
        XCTAssertEqual(recording.events.map(\.2), ["out1\n", "err1\n", "out2 \u{FFFD}\n"])
        XCTAssertEqual(recording.header["width"] as? Int, 80)
        XCTAssertEqual(recording.header["height"] as? Int, 24)
    }

    /// Over HTTPS the same, the title naming the remote as written (`tls:`).
    func testRecordsOverTLSWithTheRemoteInTheTitle() throws {
        let cast = try castPath()
        let r = try lxattach(["exec", "--record", cast, "\(Testbed.remote):\(Testbed.c1)", "--", "echo", "over tls"])
        XCTAssertEqual(r.status, 0, "\(r)")
        let recording = try Cast(path: cast)
        XCTAssertEqual(recording.header["title"] as? String, "\(Testbed.remote):\(Testbed.c1) echo 'over tls'")
        XCTAssertEqual(recording.output, "over tls\n")
    }

    /// An existing file is never overwritten, and nothing is run.
    func testExistingFileIsRefusedAndNothingRuns() throws {
        let cast = try castPath()
        XCTAssertTrue(FileManager.default.createFile(atPath: cast, contents: Data("keep me\n".utf8)))
        let marker = "/tmp/lxattach-record-\(getpid())"
        let r = try lxattach(["exec", "--record", cast, Testbed.c1, "--", "touch", marker])
        XCTAssertEqual(r.status, 255)
        XCTAssertEqual(r.stderrText, "Error: \(cast) exists: not overwriting it (choose a new file for --record)\n")
        XCTAssertEqual(FileManager.default.contents(atPath: cast), Data("keep me\n".utf8))
        XCTAssertEqual(try lxc("exec", Testbed.c1, "--", "test", "-e", marker).status, 1, "the command ran")
        // A dangling symlink is not followed either (O_EXCL).
        let link = try castPath("link.cast")
        XCTAssertEqual(symlink(cast + ".nowhere", link), 0)
        let s = try lxattach(["shell", "--record", link, Testbed.c1])
        XCTAssertEqual(s.status, 255)
        XCTAssertEqual(s.stderrText.split(separator: "\n").count, 1, s.stderrText)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cast + ".nowhere"))
    }

    /// A session that could not start leaves no file behind.
    func testFailedStartLeavesNoFile() throws {
        let cast = try castPath()
        let r = try lxattach(["exec", "--record", cast, Testbed.stopped, "--", "true"])
        XCTAssertEqual(r.status, 255)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cast))
    }

    /// Usage: fan-out, a missing FILE, `--record-input` alone, `--detach`: one line, 255.
    func testUsageErrorsAreOneLine() throws {
        let cast = try castPath()
        let cases: [([String], String)] = [
            (["exec", "--record", cast, "lxa-f[01-02]", "--", "true"], "--record records one session into one file"),
            (["exec", "--record", cast, "--all", "--", "true"], "--record records one session into one file"),
            (["exec", "--record-input", Testbed.c1, "--", "true"], "--record-input records into the --record FILE"),
            (["shell", "--record-input", Testbed.c1], "--record-input records into the --record FILE"),
            (["exec", "--detach", "--record", cast, Testbed.c1, "--", "true"], "--detach does not attach"),
            (["exec", "--record", "", Testbed.c1, "--", "true"], "--record takes a file name"),
        ]
        for (args, words) in cases {
            let r = try lxattach(args)
            XCTAssertEqual(r.status, 255, "\(args): \(r)")
            XCTAssertEqual(r.stderrText.split(separator: "\n").count, 1, "\(args): \(r)")
            XCTAssertTrue(r.stderrText.hasPrefix("Error: ") && r.stderrText.contains(words), "\(args): \(r)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: cast), "\(args)")
        }
    }

    /// A full disk (a 64 KiB tmpfs of our own) ends the recording with one warning line;
    /// the session runs to its own end and status, its output whole; the file holds whole
    /// lines only and plays up to its last one.
    func testFullDiskEndsTheRecordingNotTheSession() throws {
        let dir = try castPath("mnt")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let mounted = try runCommand("mount", ["-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", dir], timeout: 10)
        XCTAssertEqual(mounted.status, 0, "\(mounted)")
        guard mounted.status == 0 else { return }
        defer { XCTAssertEqual(try? runCommand("umount", [dir], timeout: 10).status, 0, "umount \(dir)") }
        let cast = dir + "/full.cast"
        // 40 blocks of 100 lines, a moment apart: 40 events, not one too large for the disk.
        let script = #"i=0; while [ $i -lt 40 ]; do j=0; while [ $j -lt 100 ]; do echo "line $((i*100+j)) of the output"; "#
            + #"j=$((j+1)); done; i=$((i+1)); sleep 0.02; done; exit 7"#
        let r = try lxattach(["exec", "--record", cast, Testbed.c1, "--", "sh", "-c", script])
        XCTAssertEqual(r.status, 7, "\(r)")
        let expected = (0..<4000).map { "line \($0) of the output\n" }.joined()
        XCTAssertEqual(r.stdoutText, expected)
        XCTAssertEqual(r.stderrText,
                       "Warning: recording to \(cast) stopped: No space left on device; it plays up to its last event\n")
        let recording = try Cast(path: cast)
        XCTAssertFalse(recording.events.isEmpty)
        XCTAssertLessThan(recording.bytes.count, 64 << 10)
        XCTAssertTrue(expected.hasPrefix(recording.output), "the recording is not what was shown")
        let played = try asciinemaCat(cast)
        XCTAssertEqual(played.status, 0)
        XCTAssertEqual(String(decoding: played.bytes, as: UTF8.self), recording.output)
    }

    /// A stalled disk (an ext4 image of our own, frozen with fsfreeze): the session goes
    /// on as fast as before, the recording ends with one warning once nothing could be
    /// written for 10 s, and lxattach exits at once with the command's status (the writer
    /// process waits for the disk, not lxattach). Thawed, the file holds whole lines.
    func testStalledDiskNeverHoldsTheSession() throws {
        let dir = try castPath("stall")
        try FileManager.default.createDirectory(atPath: dir + "/mnt", withIntermediateDirectories: true)
        let mnt = dir + "/mnt"
        XCTAssertEqual(try runCommand("truncate", ["-s", "16M", dir + "/img"], timeout: 10).status, 0)
        XCTAssertEqual(try runCommand("mkfs.ext4", ["-q", dir + "/img"], timeout: 30).status, 0)
        let mounted = try runCommand("mount", ["-o", "loop", dir + "/img", mnt], timeout: 30)
        XCTAssertEqual(mounted.status, 0, "\(mounted)")
        guard mounted.status == 0 else { return }
        var frozen = false
        defer {
            if frozen { _ = try? runCommand("fsfreeze", ["-u", mnt], timeout: 10) }
            // The writer may still be finishing the file: umount once it let go.
            waitUntil("umount \(mnt)", timeout: 20) { (try? runCommand("umount", [mnt], timeout: 10).status) == 0 }
        }
        let cast = mnt + "/stall.cast"
        let tmux = try TmuxSession()
        defer { tmux.close() }
        let run = try RecordedRun(tmux, ["shell", "--record", cast, Testbed.c1])
        tmux.waitForPrefix(prompt)
        XCTAssertEqual(try runCommand("fsfreeze", ["-f", mnt], timeout: 10).status, 0)
        frozen = true
        // More than the pipe and the writer's buffer hold (2 MiB), then 10 s of stall.
        try tmux.type("seq 1 400000 | tail -c 2000000; echo frozen-$((6*7))")
        tmux.waitForLine("frozen-42", timeout: 30)
        let started = Date()
        waitUntil("the warning", timeout: 20) { run.stderr.contains("Warning:") }
        XCTAssertGreaterThan(Date().timeIntervalSince(started), 5, "warned before the disk stalled 10 s")
        // The session answers as before.
        let typed = Date()
        try tmux.type("echo after-$((6*7))")
        tmux.waitForLine("after-42")
        XCTAssertLessThan(Date().timeIntervalSince(typed), 2)
        let exiting = Date()
        try tmux.type("exit 4")
        XCTAssertEqual(run.waitForExit(), 4)
        XCTAssertLessThan(Date().timeIntervalSince(exiting), 3, "lxattach waited for the frozen disk")
        XCTAssertEqual(run.stderr,
                       "Warning: recording to \(cast) stopped: the disk stalled (nothing written for 10 s); it plays up to its last event\n")
        XCTAssertEqual(try runCommand("fsfreeze", ["-u", mnt], timeout: 10).status, 0)
        frozen = false
        waitUntil("the writer to finish") { !isOpenByAnyProcess(cast) }
        let recording = try Cast(path: cast)
        XCTAssertFalse(recording.output.contains("after-42"), "recorded after the recording ended")
        XCTAssertEqual(try asciinemaCat(cast).status, 0)
    }

    /// `console --record --record-input`: the console plays back as shown, the keys typed
    /// are `i` events as typed (Ctrl+a q included), the title names the console.
    func testConsoleRecording() throws {
        let cast = try castPath()
        let tmux = try TmuxSession()
        defer { tmux.close() }
        let run = try RecordedRun(tmux, ["console", "--record", cast, "--record-input", Testbed.console])
        waitUntil("the console attached: \(run.stderr)") { run.stderr.contains("To detach from the console") }
        try tmux.pressEnterUntilConsolePrompt()
        try tmux.type("echo console-$((6*7))")
        tmux.waitForLine("console-42")
        try tmux.keys("C-a", "q")
        XCTAssertEqual(run.waitForExit(), 0, tmux.capture())
        let recording = try Cast(path: cast)
        XCTAssertEqual(recording.header["title"] as? String, "local:\(Testbed.console) console")
        let input = recording.events.filter { $0.1 == "i" }.map(\.2).joined()
        XCTAssertTrue(input.contains("echo console-$((6*7))\r"), input.debugDescription)
        XCTAssertTrue(input.hasSuffix("\u{01}q"), input.debugDescription)
        let played = try asciinemaCat(cast)
        XCTAssertEqual(played.status, 0)
        let shown = run.paneBytes { replacingInvalidUTF8($0) == played.bytes }
        XCTAssertEqual(played.bytes, replacingInvalidUTF8(shown))
    }
}

/// Whether some process holds `path` open (its /proc/PID/fd links; no psmisc needed).
private func isOpenByAnyProcess(_ path: String) -> Bool {
    let fm = FileManager.default
    for pid in (try? fm.contentsOfDirectory(atPath: "/proc")) ?? [] where pid.allSatisfy(\.isNumber) {
        for fd in (try? fm.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? [] {
            if (try? fm.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) == path { return true }
        }
    }
    return false
}
