import Foundation
import XCTest

@testable import Terminal

/// `RecordingFile` on local files: whole lines through the writer process, an existing
/// file refused, and each way a recording ends early: one warning, the file whole lines.
final class RecordingFileTests: XCTestCase {
    private var directory = ""
    private var warnings: [String] = []

    override func setUp() {
        // As lxattach does: a write to the pipe of a writer that is gone must be EPIPE.
        signal(SIGPIPE, SIG_IGN)
        directory = NSTemporaryDirectory() + "lxattach-recording-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        warnings = []
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func file(_ name: String = "t.cast", maxQueued: Int = 64 << 20, stallSeconds: Double = 10) throws -> RecordingFile {
        try RecordingFile(creating: directory + "/" + name, header: Array("{\"version\":2}\n".utf8), maxQueued: maxQueued,
                          stallSeconds: stallSeconds) { [unowned self] in self.warnings.append($0) }
    }

    private func contents(_ name: String = "t.cast") -> String {
        String(decoding: FileManager.default.contents(atPath: directory + "/" + name) ?? Data(), as: UTF8.self)
    }

    /// `count` lines of `size` bytes each (newline included), numbered.
    private func lines(_ count: Int, size: Int = 100, from first: Int = 0) -> [UInt8] {
        var out: [UInt8] = []
        for i in first..<first + count {
            let head = "[\(i), \"o\", \""
            out += Array(head.utf8) + Array(repeating: UInt8(ascii: "x"), count: size - head.utf8.count - 3) + Array("\"]\n".utf8)
        }
        return out
    }

    /// Every line of the file is whole: ends with a newline, and is the header or an event.
    private func assertWholeLines(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(text.hasSuffix("\n"), "ends inside a line", file: file, line: line)
        for l in text.split(separator: "\n") {
            XCTAssertTrue(l == "{\"version\":2}" || (l.hasPrefix("[") && l.hasSuffix("\"]")), "not a whole line: \(l.prefix(40))",
                          file: file, line: line)
        }
    }

    private func waitForWriter(_ f: RecordingFile) {
        var status: Int32 = 0
        _ = waitpid(f.writerPID, &status, 0)
    }

    func testLinesArriveWholeAndTheFileIsPrivate() throws {
        let f = try file()
        var expected = "{\"version\":2}\n"
        for round in 0..<50 {
            var batch = lines(round % 7, from: round * 10)
            expected += String(decoding: batch, as: UTF8.self)
            f.handOver(&batch)
            XCTAssertTrue(batch.isEmpty)
        }
        var last = lines(3, size: 300_000, from: 1000)  // larger than the pipe
        expected += String(decoding: last, as: UTF8.self)
        f.close(last: &last)
        XCTAssertEqual(contents(), expected)
        XCTAssertEqual(warnings, [])
        var info = stat()
        XCTAssertEqual(stat(directory + "/t.cast", &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
    }

    func testAnExistingFileIsNeverOverwritten() throws {
        XCTAssertTrue(FileManager.default.createFile(atPath: directory + "/t.cast", contents: Data("keep\n".utf8)))
        XCTAssertThrowsError(try file()) { error in
            XCTAssertEqual("\(error)", "\(directory)/t.cast exists: not overwriting it (choose a new file for --record)")
        }
        XCTAssertEqual(contents(), "keep\n")
    }

    /// The writer stopped (SIGSTOP: a disk that takes nothing): once the pipe has been full
    /// for `stallSeconds`, one warning and nothing more is taken; let go, the writer
    /// writes what the pipe held, whole lines.
    func testAStalledWriterEndsTheRecordingOnce() throws {
        let f = try file(stallSeconds: 1)
        XCTAssertEqual(kill(f.writerPID, SIGSTOP), 0)
        let started = Date()
        var round = 0
        while !f.stopped && Date().timeIntervalSince(started) < 5 {
            var batch = lines(1000, from: round * 1000)
            f.handOver(&batch)
            round += 1
            usleep(20_000)
        }
        XCTAssertTrue(f.stopped)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 1)
        XCTAssertEqual(warnings, ["recording to \(directory)/t.cast stopped: the disk stalled (nothing written for 1 s); it plays up to its last event"])
        var more = lines(10)
        f.handOver(&more)
        var none: [UInt8] = []
        f.close(last: &none)
        XCTAssertEqual(warnings.count, 1)
        XCTAssertEqual(kill(f.writerPID, SIGCONT), 0)
        waitForWriter(f)
        assertWholeLines(contents())
        XCTAssertGreaterThan(contents().count, 900_000, "what the pipe held (1 MiB) was written")
    }

    /// A writer that is slower than the output but moves is not a stalled one: each time
    /// the pipe takes something the stall clock starts again (here the writer runs 1 ms
    /// in every 100, far behind, for 2.5 s against a 1 s stall bound).
    func testASlowWriterIsNotAStalledOne() throws {
        let f = try file(maxQueued: 1 << 30, stallSeconds: 1)
        XCTAssertEqual(kill(f.writerPID, SIGSTOP), 0)
        let started = Date()
        var round = 0
        let chunk = lines(10_000)
        while Date().timeIntervalSince(started) < 2.5 {
            var batch = chunk
            f.handOver(&batch)
            round += 1
            if round % 5 == 0 {
                kill(f.writerPID, SIGCONT)
                usleep(1000)
                kill(f.writerPID, SIGSTOP)
            }
            usleep(20_000)
        }
        XCTAssertFalse(f.stopped)
        XCTAssertEqual(warnings, [])
        XCTAssertTrue(f.isBehind, "the writer kept up: the test proves nothing")
        kill(f.writerPID, SIGKILL)
    }

    func testTooMuchWaitingEndsTheRecording() throws {
        let f = try file(maxQueued: 200_000)
        XCTAssertEqual(kill(f.writerPID, SIGSTOP), 0)
        defer { kill(f.writerPID, SIGKILL) }
        for round in 0..<40 where !f.stopped {
            var batch = lines(1000, from: round * 1000)
            f.handOver(&batch)
        }
        XCTAssertTrue(f.stopped)
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings.first?.contains("the disk did not keep up") == true, "\(warnings)")
    }

    /// A writer killed from outside is named in the one warning; the session's side
    /// goes on (handOver takes and drops).
    func testAKilledWriterIsSaid() throws {
        let f = try file()
        var first = lines(5)
        f.handOver(&first)
        XCTAssertEqual(kill(f.writerPID, SIGKILL), 0)
        usleep(100_000)
        for _ in 0..<5 {
            var batch = lines(5)
            f.handOver(&batch)
        }
        var none: [UInt8] = []
        f.close(last: &none)
        XCTAssertTrue(f.stopped)
        XCTAssertEqual(warnings, ["recording to \(directory)/t.cast stopped: its writer process was killed (signal 9); it plays up to its last event"])
        assertWholeLines(contents())
    }
}
