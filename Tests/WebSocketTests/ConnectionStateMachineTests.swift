import XCTest
import WebSocket

final class ConnectionStateMachineTests: XCTestCase {
    func testPingIsAnsweredWithSamePayload() {
        var machine = WebSocketConnectionStateMachine()
        XCTAssertEqual(machine.receivedPing([1, 2, 3]), .sendPong([1, 2, 3]))
        XCTAssertEqual(machine.state, .open)
    }

    func testPeerInitiatedCloseIsEchoed() {
        var machine = WebSocketConnectionStateMachine()
        let action = machine.receivedClose(WebSocketCloseFrame(code: .goingAway, reason: "bye"))
        XCTAssertEqual(action, .sendCloseAndShutdown(WebSocketCloseFrame(code: .goingAway)))
        XCTAssertEqual(machine.state, .closed)
        XCTAssertFalse(machine.canSendData)
        XCTAssertEqual(machine.receivedClose(WebSocketCloseFrame(code: .normalClosure)), .alreadyClosed)
        XCTAssertEqual(machine.receivedPing([1]), .none)
        XCTAssertTrue(machine.connectionEnded())
    }

    func testEmptyCloseIsEchoedEmpty() {
        var machine = WebSocketConnectionStateMachine()
        XCTAssertEqual(machine.receivedClose(WebSocketCloseFrame(code: nil)), .sendCloseAndShutdown(WebSocketCloseFrame(code: nil)))
    }

    func testLocallyInitiatedClose() {
        var machine = WebSocketConnectionStateMachine()
        XCTAssertEqual(machine.close(code: .normalClosure, reason: "done"),
                       .sendClose(WebSocketCloseFrame(code: .normalClosure, reason: "done")))
        XCTAssertEqual(machine.state, .closing)
        XCTAssertFalse(machine.canSendData)
        XCTAssertEqual(machine.close(), .alreadyClosing)
        XCTAssertEqual(machine.receivedPing([9]), .none)
        XCTAssertEqual(machine.receivedClose(WebSocketCloseFrame(code: .normalClosure)), .shutdown)
        XCTAssertEqual(machine.state, .closed)
        XCTAssertEqual(machine.close(), .alreadyClosed)
    }

    func testProtocolErrorFailsWithItsCloseCode() {
        var machine = WebSocketConnectionStateMachine()
        XCTAssertEqual(machine.failed(.invalidUTF8), .sendCloseAndShutdown(WebSocketCloseFrame(code: .invalidFramePayloadData)))
        XCTAssertEqual(machine.state, .closed)

        var closing = WebSocketConnectionStateMachine()
        _ = closing.close()
        XCTAssertEqual(closing.failed(.messageTooLarge(limit: 1)), .shutdown, "no second close frame")
    }

    func testKeepalivePingTracksPong() {
        var machine = WebSocketConnectionStateMachine()
        XCTAssertEqual(machine.sendPing([4, 2]), .sendPing([4, 2]))
        XCTAssertEqual(machine.outstandingPing, [4, 2])
        XCTAssertEqual(machine.receivedPong([1]), .none)
        XCTAssertEqual(machine.outstandingPing, [4, 2], "an unrelated pong does not count")
        XCTAssertEqual(machine.receivedPong([4, 2]), .none)
        XCTAssertNil(machine.outstandingPing)
    }

    func testDroppedConnectionIsNotClean() {
        var machine = WebSocketConnectionStateMachine()
        XCTAssertFalse(machine.connectionEnded())
        XCTAssertEqual(machine.state, .closed)
    }
}
