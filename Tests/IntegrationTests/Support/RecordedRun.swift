// A recorded lxattach run in a tmux pane, with the exact bytes the pane's terminal got
// (tmux pipe-pane), and a real player (asciinema 2.x, installed by Scripts/testbed) to
// play the recording back.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// `lxattach ARGS` in a pane whose only other process is a non-interactive `sh` that
/// waits for it and writes its status (bash execs that sh: nothing but lxattach writes
/// to the terminal), its stderr in the file `err`, and everything it writes to the
/// terminal captured raw in `pane.raw` from its first byte. (The status is not read
/// from tmux: tmux 3.3 often leaves a dead pane's process unreaped, status unknown.)
struct RecordedRun {
    let tmux: TmuxSession

    init(_ tmux: TmuxSession, _ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        self.tmux = tmux
        let d = tmux.directory
        let command = ([try Built.lxattach()] + arguments).map(shellQuote).joined(separator: " ")
        let script = "echo $$ > shpid; \(command) 2> err; echo $? > status"
        // The typed line is echoed and bash has taken it (`ready`) before the capture
        // starts; the capture starts before lxattach does (`go`).
        try tmux.type("cd \(d); export LXD_CONF=\(shellQuote(Testbed.conf)); > ready; "
            + "while [ ! -e go ]; do sleep 0.02; done; exec sh -c \(shellQuote(script))")
        waitUntil("bash to take the line", file: file, line: line) { FileManager.default.fileExists(atPath: d + "/ready") }
        let piped = try tmux.tmux(["pipe-pane", "-O", "-t", "=" + tmux.name + ":", "cat > " + shellQuote(d + "/pane.raw")])
        XCTAssertEqual(piped.status, 0, "\(piped)", file: file, line: line)
        XCTAssertTrue(FileManager.default.createFile(atPath: d + "/go", contents: nil))
    }

    /// lxattach's pid (the waiting sh's child), checked to be lxattach.
    func pid(file: StaticString = #filePath, line: UInt = #line) throws -> pid_t {
        guard let text = tmux.waitForFile("shpid", file: file, line: line),
              let sh = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw HarnessError.notFound("the pane's sh")
        }
        var pid: pid_t?
        waitUntil("lxattach under sh \(sh)", file: file, line: line) {
            let children = (try? runCommand("pgrep", ["-P", "\(sh)"], timeout: 10).stdoutText) ?? ""
            pid = children.split(separator: "\n").compactMap { pid_t($0) }.first { child in
                (FileManager.default.contents(atPath: "/proc/\(child)/cmdline").map { String(decoding: $0, as: UTF8.self) } ?? "")
                    .contains("lxattach")
            }
            return pid != nil
        }
        guard let pid else { throw HarnessError.notFound("lxattach's pid") }
        return pid
    }

    /// Waits for lxattach to end; its exit status as sh reports it (128+N: signal N).
    func waitForExit(timeout: Double = 15, file: StaticString = #filePath, line: UInt = #line) -> Int32? {
        tmux.waitForFile("status", timeout: timeout, file: file, line: line)
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// The bytes the terminal got, once `condition` holds for them (the capture is a pipe).
    func paneBytes(until condition: ([UInt8]) -> Bool = { _ in true }, file: StaticString = #filePath, line: UInt = #line) -> [UInt8] {
        var bytes: [UInt8] = []
        waitUntil("the pane's capture", file: file, line: line) {
            bytes = FileManager.default.contents(atPath: tmux.path("pane.raw")).map { [UInt8]($0) } ?? []
            return condition(bytes)
        }
        return bytes
    }

    var stderr: String { tmux.read("err") ?? "" }
}

/// The recording file, read as a player reads it.
struct Cast {
    let header: [String: Any]
    /// `(time, code, text)` of every event line.
    let events: [(Double, String, String)]
    /// The file's bytes.
    let bytes: [UInt8]

    init(path: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let data = try XCTUnwrap(FileManager.default.contents(atPath: path), "no file \(path)", file: file, line: line)
        bytes = [UInt8](data)
        XCTAssertEqual(bytes.last, 0x0A, "the file ends inside a line", file: file, line: line)
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast()
        var header: [String: Any] = [:]
        var events: [(Double, String, String)] = []
        for (i, l) in lines.enumerated() {
            let value = try JSONSerialization.jsonObject(with: Data(l))
            if i == 0 {
                header = try XCTUnwrap(value as? [String: Any], "header", file: file, line: line)
            } else {
                let a = try XCTUnwrap(value as? [Any], "line \(i + 1)", file: file, line: line)
                XCTAssertEqual(a.count, 3, "line \(i + 1)", file: file, line: line)
                events.append((try XCTUnwrap(a[0] as? Double ?? (a[0] as? Int).map(Double.init)),
                               try XCTUnwrap(a[1] as? String), try XCTUnwrap(a[2] as? String)))
            }
        }
        self.header = header
        self.events = events
        let times = events.map(\.0)
        XCTAssertEqual(times, times.sorted(), "event times go back", file: file, line: line)
    }

    /// The output events' text, joined.
    var output: String { events.filter { $0.1 == "o" }.map(\.2).joined() }
}

/// `asciinema cat FILE` (it needs a terminal: /dev/tty), in a tmux session of its own;
/// its status and what it printed.
func asciinemaCat(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> (status: Int32?, bytes: [UInt8]) {
    let tmux = try TmuxSession()
    defer { tmux.close() }
    try tmux.type("asciinema cat \(shellQuote(path)) > \(tmux.path("played")) 2> \(tmux.path("cat.err")); echo $? > \(tmux.path("cat.status"))")
    let status = tmux.waitForFile("cat.status", timeout: 20, file: file, line: line)
    let played = FileManager.default.contents(atPath: tmux.path("played")).map { [UInt8]($0) } ?? []
    if status?.hasPrefix("0") != true { XCTFail("asciinema cat: \(tmux.read("cat.err") ?? "")", file: file, line: line) }
    return (status.flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }, played)
}

/// What a terminal showed, as valid UTF-8: each ill-formed part becomes U+FFFD, as the
/// recording writes it.
func replacingInvalidUTF8(_ bytes: [UInt8]) -> [UInt8] {
    Array(String(decoding: bytes, as: UTF8.self).utf8)
}
