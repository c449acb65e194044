// A Python fixture of Tests/Fixtures that prints "ready …" once listening: started with
// its stdin a pipe (closing it, or SIGKILL, ends the fixture), stopped by its PID.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

final class FixtureProcess {
    let process = Process()
    /// The words after "ready" (ports).
    private(set) var ready: [String] = []
    private let stdin = Pipe()

    /// Starts Tests/Fixtures/`script` with `arguments`; throws when it does not print
    /// "ready" within 10 s.
    init(_ script: String, _ arguments: [String]) throws {
        let path = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/" + script).path
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", path] + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = stdin
        try process.run()
        let fd = out.fileHandleForReading.fileDescriptor
        let text = readFirstLine(fd)
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init)
        guard words.first == "ready" else {
            stop()
            throw HarnessError.notFound("\(script) did not get ready: \(text.debugDescription)")
        }
        ready = Array(words.dropFirst())
    }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning, Date() < deadline { usleep(10_000) }
    }

    deinit { stop() }
}

/// A fixture's first line ("ready …"), read with a 10 s deadline: a fixture that fails to
/// start must fail the test, not hang it.
func readFirstLine(_ fd: Int32) -> String {
    var text = ""
    let deadline = Date().addingTimeInterval(10)
    var buffer = [UInt8](repeating: 0, count: 256)
    while !text.contains("\n"), Date() < deadline {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 100) > 0 else { continue }
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n <= 0 { break }
        text += String(decoding: buffer[0..<n], as: UTF8.self)
    }
    return text
}
