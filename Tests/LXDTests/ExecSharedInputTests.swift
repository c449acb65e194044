import Foundation
import Glibc
import XCTest

@testable import LXD

/// Fan-out's shared input, without a daemon: every reader gets every byte, memory stays
/// within the window, and a reader that leaves holds nothing back.
final class ExecSharedInputTests: XCTestCase {
    private func pipeWith(_ bytes: [UInt8]) -> Int32 {
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&fds), 0)
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        let out = fds[1]
        let writer = Thread {
            bytes.withUnsafeBytes { var off = 0; while off < $0.count { let n = write(out, $0.baseAddress! + off, $0.count - off); if n <= 0 { break }; off += n } }
            close(out)
        }
        writer.start()
        return fds[0]
    }

    func testEveryReaderGetsEveryByteWithinTheWindow() {
        let data = (0..<(700 * 1024)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ $0 >> 9) }
        let fd = pipeWith(data)
        defer { close(fd) }
        let input = ExecSharedInput(fileDescriptor: fd, window: 128 * 1024)
        let readers = (0..<3).map { _ in input.reader() }
        var got = [[UInt8]](repeating: [], count: 3)
        var rounds = 0
        while !readers.allSatisfy(\.isAtEnd) && rounds < 1_000_000 {
            rounds += 1
            // Reader 0 fast, 1 slow, 2 in between: the window bounds what is held.
            for (i, r) in readers.enumerated() where !r.isAtEnd {
                _ = r.take(maxCount: [64 * 1024, 3000, 20000][i]) { got[i] += $0 }
            }
            if readers.contains(where: \.wantsRead) { input.fill(maxCount: 128 * 1024) } else { usleep(100) }
            XCTAssertLessThanOrEqual(input.heldCount, 128 * 1024 + 128 * 1024 / 4)
        }
        for g in got { XCTAssertEqual(g, data) }
    }

    func testAReaderThatLeavesHoldsNothingBack() {
        let data = [UInt8](repeating: 7, count: 300 * 1024)
        let fd = pipeWith(data)
        defer { close(fd) }
        let input = ExecSharedInput(fileDescriptor: fd, window: 64 * 1024)
        let fast = input.reader()
        let gone = input.reader()
        var count = 0
        var rounds = 0
        while !fast.isAtEnd && rounds < 1_000_000 {
            rounds += 1
            count += fast.take(maxCount: 1 << 20) { _ in }
            if fast.wantsRead { input.fill(maxCount: 64 * 1024) } else if count >= 64 * 1024 { gone.close() } else { usleep(100) }
        }
        XCTAssertEqual(count, data.count)
        XCTAssertTrue(gone.isAtEnd, "a closed reader is at its end")
    }
}
