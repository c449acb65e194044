import WebSocket
import XCTest

@testable import LXD

/// One PTY on fd 0 (protocol notes §4, "Interactive").
final class ExecSessionMachineInteractiveTests: XCTestCase {
    func testTheEndOfInputIsOneCtrlDAfterANewline() {
        var m = ExecSessionMachine.pty()
        XCTAssertTrue(m.receivedInput(lastByte: 10))
        XCTAssertEqual(m.inputEnded(now: at(1)), [.send(.stdin, .binary([4]))])
    }

    func testTheEndOfInputIsTwoCtrlDsAfterAnUnfinishedLine() {
        var m = ExecSessionMachine.pty()
        XCTAssertTrue(m.receivedInput(lastByte: UInt8(ascii: "x")))
        XCTAssertEqual(m.inputEnded(now: at(1)), [.send(.stdin, .binary([4, 4]))])
    }

    func testWithoutInputCtrlDGoesOutAtStartNeverAText() {
        var m = ExecSessionMachine.pty(input: false)
        XCTAssertEqual(m.start(now: 0), [.send(.stdin, .binary([4]))])
    }

    func testOutputComesOnFd0() {
        let m = ExecSessionMachine.pty()
        XCTAssertEqual(m.receivedData(on: .stdin), .deliver(.stdout))
        XCTAssertEqual(m.receivedData(on: .stdout), .discard)
    }

    func testTheDaemonsBarrierIsAnsweredWithACloseAtOnce() {
        var m = ExecSessionMachine.pty()
        let actions = m.receivedBarrier(on: .stdin, now: at(2))
        XCTAssertEqual(actions, [.send(.stdin, closeFrame(1000))], "else the operation never ends")
        XCTAssertFalse(m.acceptsInput)
        XCTAssertEqual(m.inputEnded(now: at(2)), [], "nothing on fd 0 after its close")
        XCTAssertEqual(m.receivedClose(on: .stdin, frame: WebSocketCloseFrame(code: .normalClosure), now: at(2.01)),
                       [.closeSocket(.stdin)])
        XCTAssertEqual(m.waitAnswered(.success(130), now: at(2.02)).completion?.exitStatus, 130)
    }

    func testTheStatusBeforeTheBarrierWaitsForIt() {
        var m = ExecSessionMachine.pty()
        XCTAssertEqual(m.waitAnswered(.success(0), now: at(1)), [])
        let actions = m.receivedBarrier(on: .stdin, now: at(1.1))
        XCTAssertEqual(actions.frames(on: .stdin), [closeFrame(1000)], "the close goes out before the end")
        XCTAssertEqual(actions.completion?.exitStatus, 0)
    }

    func testAClosedReaderStillClosesControl() {
        var m = ExecSessionMachine.pty()
        XCTAssertEqual(m.localOutputClosed(now: at(1)).frames(on: .control), [closeFrame(1000)])
    }

    func testTheEarliestDeadlineWins() {
        var configuration = ExecSessionMachine.Configuration()
        configuration.timeout = 20
        var m = ExecSessionMachine.pty(configuration: configuration)
        XCTAssertEqual(m.nextDeadline, at(20), "the timeout before the keepalive at 30")
        _ = m.perform(.terminate(signal: 15, name: "SIGTERM"), now: at(2))
        XCTAssertEqual(m.nextDeadline, at(5), "the grace")
    }
}

/// A console: fd 0 and control, no exit status.
final class ExecSessionMachineConsoleTests: XCTestCase {
    private func console() -> ExecSessionMachine {
        ExecSessionMachine(interactive: true, attached: [.stdin, .control], hasInput: true, waitPending: false,
                           awaitsStatus: false, now: 0)
    }

    func testDetachClosesControlAndEndsWhenTheDaemonClosesTheConsole() {
        var m = console()
        XCTAssertEqual(m.perform(.kill(reason: "detached"), now: at(1)), [.send(.control, closeFrame(1000))])
        XCTAssertEqual(m.receivedEOF(on: .control, now: at(1.01)), [])
        let c = m.receivedEOF(on: .stdin, now: at(1.02)).completion
        XCTAssertNotNil(c, "ends without a status")
        XCTAssertNil(c?.exitStatus)
        XCTAssertEqual(c?.killedReason, "detached")
    }

    func testAConsoleTheDaemonKeepsOpenAfterADetachEndsAnyway() {
        var m = console()
        _ = m.perform(.kill(reason: "detached"), now: at(1))
        XCTAssertEqual(m.tick(now: at(5.9)), [])
        XCTAssertNotNil(m.tick(now: at(6)).completion)
    }

    func testTheInstanceStoppingEndsTheConsole() {
        var m = console()
        XCTAssertNil(m.receivedEOF(on: .control, now: at(1)).outcome)
        XCTAssertNotNil(m.receivedEOF(on: .stdin, now: at(1)).completion)
    }
}
