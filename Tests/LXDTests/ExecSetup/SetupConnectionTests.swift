import Glibc
import Transport
import XCTest

@testable import LXD

/// A set-up connection writes what the socket takes and keeps the rest in order: the
/// POST or an upgrade split over many partial writes arrives whole.
final class SetupConnectionTests: XCTestCase {
    func testPartialWritesArriveWholeAndInOrder() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        var small: Int32 = 4096
        setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &small, socklen_t(MemoryLayout<Int32>.size))
        let writer = try SocketStream(adoptingDescriptor: fds[0])
        defer { close(fds[1]) }
        let c = SetupConnection(open: writer)
        let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        try c.send(Array(payload[..<200_000]))
        XCTAssertTrue(c.hasPendingWrites, "a 4 KiB buffer cannot take 200 KB at once")
        XCTAssertNotEqual(c.pollEvents(reading: false) & Int16(POLLOUT), 0, "it asks for writability")
        try c.send(Array(payload[200_000...]))   // queued behind the rest
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        var turns = 0
        while received.count < payload.count {
            turns += 1
            let n = chunk.withUnsafeMutableBytes { read(fds[1], $0.baseAddress, $0.count) }
            if n > 0 { received += chunk[0..<n] }
            try c.flush()
        }
        XCTAssertEqual(received, payload)
        XCTAssertFalse(c.hasPendingWrites)
        XCTAssertEqual(c.pollEvents(reading: false), 0)
        XCTAssertNotEqual(c.pollEvents(reading: true) & Int16(POLLIN), 0)
        XCTAssertGreaterThan(turns, 10, "many partial writes")
    }
}
