import WebSocket
import XCTest

@testable import LXD

/// The end-of-session rules for three pipes (protocol notes §4, §5): barriers, EOF, and
/// the exit status arriving before, between or after the ends of the output.
final class ExecSessionMachineTests: XCTestCase {
    func testWithoutInputTheBarrierGoesOutAtStart() {
        var m = ExecSessionMachine.pipes(input: false)
        XCTAssertEqual(m.start(now: 0), [.send(.stdin, .barrier)])
        XCTAssertFalse(m.acceptsInput)
    }

    func testWithInputNothingGoesOutAtStart() {
        var m = ExecSessionMachine.pipes()
        XCTAssertEqual(m.start(now: 0), [])
        XCTAssertTrue(m.acceptsInput)
        XCTAssertTrue(m.receivedInput(lastByte: 0x41))
    }

    func testTheEndOfInputIsOneEmptyTextMessageAndNothingAfterIt() {
        var m = ExecSessionMachine.pipes()
        XCTAssertEqual(m.inputEnded(now: at(1)), [.send(.stdin, .text([]))])
        XCTAssertEqual(m.inputEnded(now: at(2)), [], "one barrier only")
        XCTAssertFalse(m.acceptsInput)
        XCTAssertFalse(m.receivedInput(lastByte: 0x41))
    }

    func testOutputGoesToItsStreamAndNothingIsReadFromFd0OrControl() {
        let m = ExecSessionMachine.pipes()
        XCTAssertEqual(m.receivedData(on: .stdout), .deliver(.stdout))
        XCTAssertEqual(m.receivedData(on: .stderr), .deliver(.stderr))
        XCTAssertEqual(m.receivedData(on: .stdin), .discard)
        XCTAssertEqual(m.receivedData(on: .control), .discard)
    }

    func testStatusBeforeTheOutputEndsWaitsForBothBarriers() {
        var m = ExecSessionMachine.pipes(input: false)
        _ = m.start(now: 0)
        XCTAssertEqual(m.waitAnswered(.success(7), now: at(1)), [])
        XCTAssertEqual(m.receivedBarrier(on: .stdout, now: at(1.1)), [])
        XCTAssertEqual(m.receivedData(on: .stderr), .deliver(.stderr), "stderr still flows")
        let end = m.receivedBarrier(on: .stderr, now: at(1.2))
        XCTAssertEqual(end.completion?.exitStatus, 7)
        XCTAssertTrue(m.isFinished)
    }

    func testStatusBetweenTheBarriers() {
        var m = ExecSessionMachine.pipes(input: false)
        XCTAssertEqual(m.receivedBarrier(on: .stderr, now: at(1)), [])
        XCTAssertEqual(m.waitAnswered(.success(0), now: at(1.1)), [])
        XCTAssertEqual(m.receivedBarrier(on: .stdout, now: at(1.2)).completion?.exitStatus, 0)
    }

    func testStatusAfterTheOutputEnded() {
        var m = ExecSessionMachine.pipes(input: false)
        XCTAssertEqual(m.receivedBarrier(on: .stdout, now: at(1)), [])
        XCTAssertEqual(m.receivedBarrier(on: .stderr, now: at(1)), [])
        XCTAssertEqual(m.receivedEOF(on: .stdout, now: at(1)), [], "the status is still on its way")
        XCTAssertEqual(m.waitAnswered(.success(3), now: at(2)).completion?.exitStatus, 3)
    }

    func testEOFEndsAStreamLikeItsBarrier() {
        var m = ExecSessionMachine.pipes(input: false)
        _ = m.receivedEOF(on: .stdout, now: at(1))
        _ = m.receivedEOF(on: .stderr, now: at(1))
        XCTAssertEqual(m.waitAnswered(.success(1), now: at(1)).completion?.exitStatus, 1)
    }

    func testCommandNotFoundIsAStatusWithTheDaemonsErr() {
        var m = ExecSessionMachine.pipes(input: false)
        _ = m.receivedBarrier(on: .stdout, now: at(1))
        _ = m.receivedBarrier(on: .stderr, now: at(1))
        let c = m.waitAnswered(.failure(127, err: "Command not found"), now: at(1)).completion
        XCTAssertEqual(c?.exitStatus, 127)
        XCTAssertEqual(c?.operation?.err, "Command not found")
    }

    func testAFinalOperationWithoutStatusFailsWithItsErr() {
        var m = ExecSessionMachine.pipes(input: false)
        let end = m.waitAnswered(.failure(nil, err: "Timed out waiting for websockets to connect"), now: at(5))
        XCTAssertEqual(end, [], "the sockets are still open: their end decides")
        _ = m.receivedEOF(on: .stdout, now: at(5))
        XCTAssertEqual(m.receivedEOF(on: .stderr, now: at(5)).failure,
                       .operationFailed(statusCode: 400, message: "Timed out waiting for websockets to connect"))
    }

    func testALostWaitIsLookedUpAtOnce() {
        var m = ExecSessionMachine.pipes(input: false)
        XCTAssertEqual(m.waitFailed("connection reset", now: at(1)), [.lookUpResult])
        XCTAssertEqual(m.resultLookedUp(.success(4), now: at(1.5)), [])
        _ = m.receivedBarrier(on: .stdout, now: at(2))
        XCTAssertEqual(m.receivedBarrier(on: .stderr, now: at(2)).completion?.exitStatus, 4)
    }

    /// Both outputs ended but a socket stays open (the daemon left it dangling) and the
    /// `/wait` does not answer: 10 s later the status is looked up, not waited for ever.
    func testAnUnansweredWaitWithASocketLeftOpenIsLookedUpAfterTheOutputEnded() {
        var m = ExecSessionMachine.pipes(input: false)
        _ = m.start(now: 0)
        _ = m.receivedBarrier(on: .stdout, now: at(1))
        XCTAssertEqual(m.receivedBarrier(on: .stderr, now: at(1)), [], "the wait is out: it answers")
        XCTAssertEqual(m.nextDeadline, at(11))
        XCTAssertEqual(m.tick(now: at(10.9)), [])
        XCTAssertEqual(m.tick(now: at(11)), [.lookUpResult])
        XCTAssertEqual(m.resultLookedUp(.success(5), now: at(11.1)).completion?.exitStatus, 5)
    }

    func testALookupThatFindsTheCommandRunningWaitsForTheOutputsEnd() {
        var m = ExecSessionMachine.pipes(input: false)
        XCTAssertEqual(m.waitFailed("cut", now: at(1)), [.lookUpResult])
        XCTAssertEqual(m.resultLookedUp(.running, now: at(6)), [])
        XCTAssertFalse(m.isFinished)
        _ = m.receivedBarrier(on: .stdout, now: at(9))
        XCTAssertEqual(m.receivedBarrier(on: .stderr, now: at(9)), [.lookUpResult], "asked again at the end")
        XCTAssertEqual(m.resultLookedUp(.success(2), now: at(9.1)).completion?.exitStatus, 2)
    }

    func testStillRunningAfterTheOutputEndedIsALostStatus() {
        var m = ExecSessionMachine.pipes(input: false)
        _ = m.waitFailed("cut", now: at(1))
        _ = m.receivedEOF(on: .stdout, now: at(1))
        _ = m.receivedEOF(on: .stderr, now: at(1))
        XCTAssertEqual(m.resultLookedUp(.running, now: at(6)).failure, .noExitStatus("the operation is still running"))
    }

    func testAFailedLookupAtTheEndReportsWhyTheWaitWasLost() {
        var m = ExecSessionMachine.pipes(input: false)
        _ = m.waitFailed("the daemon closed the connection before answering", now: at(1))
        _ = m.receivedEOF(on: .stdout, now: at(1))
        _ = m.receivedEOF(on: .stderr, now: at(1))
        XCTAssertEqual(m.lookupFailed("cannot connect", now: at(1)).failure,
                       .noExitStatus("the daemon closed the connection before answering"))
    }

    func testEverySocketGoneWithoutAWaitIsLookedUp() {
        var m = ExecSessionMachine.pipes(input: false, wait: false)
        for fd in [ExecStream.control, .stdin, .stdout] { XCTAssertEqual(m.receivedEOF(on: fd, now: at(1)), []) }
        XCTAssertEqual(m.receivedEOF(on: .stderr, now: at(1)), [.lookUpResult])
        XCTAssertEqual(m.resultLookedUp(.success(137), now: at(1)).completion?.exitStatus, 137)
    }

    func testOutputOpenAfterTheStatusEndsAfterTheDrainTime() {
        var m = ExecSessionMachine.pipes(input: false)
        _ = m.waitAnswered(.success(0), now: at(1))
        XCTAssertEqual(m.nextDeadline, at(4))
        XCTAssertEqual(m.tick(now: at(3.9)), [])
        XCTAssertEqual(m.tick(now: at(4)).completion?.exitStatus, 0)
    }

    func testTheDrainTimeCountsFromTheLastBytesNotFromTheStatus() {
        // A slow local reader: output still arriving after the status must not be cut.
        var m = ExecSessionMachine.pipes(input: false)
        _ = m.waitAnswered(.success(0), now: at(1))
        m.receivedBytes(on: .stdout, now: at(3.5))
        XCTAssertEqual(m.tick(now: at(4.5)), [])
        XCTAssertEqual(m.nextDeadline, at(6.5))
        XCTAssertNotNil(m.tick(now: at(6.5)).completion)
    }

    func testNothingIsDeliveredOrSentAfterTheEnd() {
        var m = ExecSessionMachine.pipes()
        _ = m.waitAnswered(.success(0), now: at(1))
        _ = m.receivedBarrier(on: .stdout, now: at(1))
        _ = m.receivedBarrier(on: .stderr, now: at(1))
        XCTAssertTrue(m.isFinished)
        XCTAssertEqual(m.receivedData(on: .stdout), .discard)
        XCTAssertEqual(m.inputEnded(now: at(2)), [])
        XCTAssertEqual(m.perform(.signal(10), now: at(2)), [])
        XCTAssertEqual(m.tick(now: at(100)), [])
        XCTAssertNil(m.nextDeadline)
    }

    func testAWriteFailureOnFd0StopsInput() {
        var m = ExecSessionMachine.pipes()
        XCTAssertEqual(m.writeFailed(on: .stdin, now: at(1)), [])
        XCTAssertFalse(m.acceptsInput)
        XCTAssertEqual(m.inputEnded(now: at(1)), [], "no barrier on a dead socket")
    }

    func testAMissingControlSocketIsTolerated() {
        // A command that ended before control attached: signals have nowhere to go, the
        // session still ends normally.
        var m = ExecSessionMachine.pipes(input: false, control: false)
        XCTAssertEqual(m.perform(.signal(2), now: at(1)), [])
        _ = m.receivedBarrier(on: .stdout, now: at(1))
        _ = m.receivedBarrier(on: .stderr, now: at(1))
        XCTAssertEqual(m.waitAnswered(.success(0), now: at(1)).completion?.exitStatus, 0)
    }
}

extension ExecSessionMachineTests {
    func testAWaitStillOutWhenEverySocketIsGoneIsGivenADrainTimeThenLookedUp() {
        var m = ExecSessionMachine.pipes(input: false)
        for fd in ExecStream.allCases { XCTAssertEqual(m.receivedEOF(on: fd, now: at(1)), []) }
        XCTAssertEqual(m.nextDeadline, at(4))
        XCTAssertEqual(m.tick(now: at(3.9)), [])
        XCTAssertEqual(m.tick(now: at(4)), [.lookUpResult])
        XCTAssertEqual(m.waitAnswered(.success(5), now: at(4.1)).completion?.exitStatus, 5, "the late wait still counts")
    }
}
