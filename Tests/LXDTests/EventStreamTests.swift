import Glibc
import JSON
import Transport
import WebSocket
import XCTest

@testable import LXD

/// The events stream against a peer on the other end of a socketpair: what ends the
/// stream (a protocol violation, a close frame) comes after the events sent before it.
final class EventStreamTests: XCTestCase {
    private var peer: Int32 = -1
    private var events: EventStream!
    private var server = WebSocketFrameEncoder(role: .server)

    override func setUpWithError() throws {
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        peer = fds[1]
        events = EventStream(stream: try SocketStream(adoptingDescriptor: fds[0]), leftover: [])
    }

    override func tearDown() {
        events = nil
        if peer >= 0 { close(peer) }
    }

    private func serverWrites(_ bytes: [UInt8]) {
        XCTAssertEqual(bytes.withUnsafeBytes { write(peer, $0.baseAddress, $0.count) }, bytes.count)
    }

    private func event(_ n: Int) -> String { #"{"type":"operation","metadata":{"n":\#(n)}}"# }

    /// Polls until something arrives or the stream ends (at most 5 s).
    private func pollSome() throws(LXDError) -> [JSONValue] {
        for _ in 0..<10 {
            let got = try events.poll(timeoutMilliseconds: 500)
            if !got.isEmpty { return got }
        }
        return []
    }

    func testEventsBeforeAProtocolViolationAreReturnedThenTheError() throws {
        serverWrites(server.text(event(1)) + server.text(event(2)) + [0xC1, 0x00])
        let got = try pollSome()
        XCTAssertEqual(got.count, 2, "both events sent before the violation")
        XCTAssertEqual(got.first?.serialized(), try JSONValue.parse(Array(event(1).utf8)).serialized())
        XCTAssertThrowsError(try events.poll(timeoutMilliseconds: 500)) { error in
            guard case .protocolViolation(let m) = error as? LXDError else { return XCTFail("\(error)") }
            XCTAssertTrue(m.contains("reserved"), m)
        }
        XCTAssertThrowsError(try events.poll(timeoutMilliseconds: 100), "the stream stays ended")
    }

    func testEventsBeforeACloseFrameAreReturnedThenTheEnd() throws {
        serverWrites(server.text(event(1)) + server.close(code: .goingAway))
        XCTAssertEqual(try pollSome().count, 1)
        XCTAssertThrowsError(try events.poll(timeoutMilliseconds: 500)) { error in
            guard case .sessionLost = error as? LXDError else { return XCTFail("\(error)") }
        }
    }

    func testEventsInTheUpgradeLeftoverComeBeforeItsViolation() throws {
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        defer { close(fds[1]) }
        let stream = EventStream(stream: try SocketStream(adoptingDescriptor: fds[0]),
                                 leftover: server.text(event(3)) + [0xC1, 0x00])
        XCTAssertEqual(try stream.poll(timeoutMilliseconds: 100).count, 1)
        XCTAssertThrowsError(try stream.poll(timeoutMilliseconds: 100))
    }

    func testASignalEndsTheWaitEarlyWithNothing() throws {
        var handler = sigaction()
        handler.__sigaction_handler.sa_handler = { _ in }
        var old = sigaction()
        sigaction(SIGUSR2, &handler, &old)
        defer { sigaction(SIGUSR2, &old, nil) }
        let target = pthread_self()
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { pthread_kill(target, SIGUSR2) }
        XCTAssertEqual(try events.poll(timeoutMilliseconds: 3000).count, 0)
        let waited = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        XCTAssertLessThan(waited, 2, "the signal, not the timeout, ended the wait")
    }
}
