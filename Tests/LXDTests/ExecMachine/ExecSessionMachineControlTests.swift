import WebSocket
import XCTest

@testable import LXD

/// Pings, close frames, violations, keepalive, signals, kills and the local output.
final class ExecSessionMachineControlTests: XCTestCase {
    func testAPingIsAnsweredOnItsSocketWithItsPayload() {
        var m = ExecSessionMachine.pipes()
        XCTAssertEqual(m.receivedPing(on: .stdin, payload: utf8("keepalive"), now: at(10)),
                       [.send(.stdin, .pong(utf8("keepalive")))])
    }

    /// LXD before 6.2 never reads stderr's websocket and may not read stdout's before it
    /// closes: a pong left there makes the close a TCP reset that drops output in flight.
    func testPingsOnTheOutputSocketsAreNotAnswered() {
        var m = ExecSessionMachine.pipes()
        XCTAssertEqual(m.receivedPing(on: .stdout, payload: utf8("keepalive"), now: at(1)), [])
        XCTAssertEqual(m.receivedPing(on: .stderr, payload: utf8("keepalive"), now: at(1)), [])
        XCTAssertEqual(m.receivedPing(on: .control, payload: utf8("keepalive"), now: at(1)),
                       [.send(.control, .pong(utf8("keepalive")))])
    }

    /// The daemon stops reading fd 0 at our input barrier (a PTY's fd 0 it reads to the end).
    func testAPingOnFd0IsAnsweredOnlyWhileTheDaemonReadsIt() {
        var m = ExecSessionMachine.pipes(input: false)
        XCTAssertEqual(m.start(now: at(0)), [.send(.stdin, .barrier)])
        XCTAssertEqual(m.receivedPing(on: .stdin, payload: [1], now: at(1)), [])
        var pty = ExecSessionMachine.pty(input: false)
        XCTAssertEqual(pty.start(now: at(0)), [.send(.stdin, .binary([4]))])
        XCTAssertEqual(pty.receivedPing(on: .stdin, payload: [1], now: at(1)), [.send(.stdin, .pong([1]))])
    }

    func testTheProbeNeverGoesToStderr() {
        var m = ExecSessionMachine.pipes(input: false, control: false)
        _ = m.start(now: at(0))
        XCTAssertEqual(m.tick(now: at(30)), [.send(.stdout, .ping(utf8("lxattach")))], "stdout's reader answers")
        var quiet = ExecSessionMachine.pipes(input: false, control: false)
        _ = quiet.start(now: at(0))
        _ = quiet.receivedEOF(on: .stdout, now: at(0))
        XCTAssertNil(quiet.nextDeadline, "stderr alone: no probe")
        XCTAssertEqual(quiet.tick(now: at(60)), [])
    }

    func testTheDaemonsCloseIsEchoedAndEndsItsStream() {
        var m = ExecSessionMachine.pipes(input: false)
        let actions = m.receivedClose(on: .stdout, frame: WebSocketCloseFrame(code: .goingAway), now: at(1))
        XCTAssertEqual(actions, [.send(.stdout, closeFrame(1001)), .closeSocket(.stdout)])
        _ = m.receivedBarrier(on: .stderr, now: at(1))
        XCTAssertEqual(m.waitAnswered(.success(0), now: at(1)).completion?.exitStatus, 0)
    }

    func testAViolationClosesWithTheRulesCodeAndFails() {
        var m = ExecSessionMachine.pipes()
        let actions = m.receivedInvalidFrame(on: .stdout, error: .maskedFrameFromServer, now: at(1))
        XCTAssertEqual(actions.frames(on: .stdout), [closeFrame(1002)])
        XCTAssertTrue(actions.contains(.closeSocket(.stdout)))
        XCTAssertEqual(actions.failure, .websocket(.stdout, .maskedFrameFromServer))
        XCTAssertEqual(ExecSessionError.websocket(.stdout, .invalidUTF8).description.suffix(16), "closed with 1007")
    }

    func testSilenceIsProbedOnControlWithTheCodecsPing() {
        var m = ExecSessionMachine.pipes()
        XCTAssertEqual(m.nextDeadline, at(30))
        XCTAssertEqual(m.tick(now: at(29.9)), [])
        XCTAssertEqual(m.tick(now: at(30)), [.send(.control, .ping(utf8("lxattach")))])
        XCTAssertEqual(m.nextDeadline, at(45))
    }

    func testTheProbeGoesToFd0WhenControlIsGone() {
        var m = ExecSessionMachine.pipes()
        _ = m.receivedEOF(on: .control, now: at(0))
        XCTAssertEqual(m.tick(now: at(30)), [.send(.stdin, .ping(utf8("lxattach")))])
    }

    func testAnAnsweredProbeKeepsTheSession() {
        var m = ExecSessionMachine.pipes()
        _ = m.tick(now: at(30))
        m.receivedBytes(on: .control, now: at(30.001))
        XCTAssertEqual(m.receivedPong(on: .control, payload: utf8("lxattach"), now: at(30.001)), [])
        XCTAssertEqual(m.tick(now: at(45)), [])
        XCTAssertFalse(m.isFinished)
    }

    func testAnUnansweredProbeFailsTheSession() {
        var m = ExecSessionMachine.pipes()
        _ = m.tick(now: at(30))
        XCTAssertEqual(m.tick(now: at(44.9)), [])
        XCTAssertEqual(m.tick(now: at(45)).failure, .keepaliveTimedOut(seconds: 15))
    }

    func testNoProbeWhileLocalOutputIsBlocked() {
        // We are not reading: the silence is ours (`| sleep 100`), not the daemon's.
        var m = ExecSessionMachine.pipes()
        XCTAssertEqual(m.tick(now: at(100), readingSockets: false), [])
        XCTAssertFalse(m.isFinished)
    }

    func testSignalsGoToControlAsJSON() {
        var m = ExecSessionMachine.pipes()
        XCTAssertEqual(m.perform(.signal(10), now: at(1)),
                       [.send(.control, .text(utf8(#"{"command":"signal","args":{},"signal":10}"#)))])
    }

    func testResizeIsSentAsStringsAndOnlyWithAPTY() {
        var pipes = ExecSessionMachine.pipes()
        XCTAssertEqual(pipes.perform(.resize(columns: 132, rows: 50), now: at(1)), [])
        var pty = ExecSessionMachine.pty()
        XCTAssertEqual(pty.perform(.resize(columns: 132, rows: 50), now: at(1)), [.send(.control, .text(utf8(
            #"{"command":"window-resize","args":{"width":"132","height":"50"},"signal":0}"#)))])
    }

    func testSIGTERMIsForwardedThenTheCommandIsEndedAfterTheGrace() {
        var m = ExecSessionMachine.pipes()
        XCTAssertEqual(m.perform(.terminate(signal: 15, name: "SIGTERM"), now: at(1)).frames(on: .control),
                       [.text(utf8(#"{"command":"signal","args":{},"signal":15}"#))])
        XCTAssertEqual(m.nextDeadline, at(4))
        XCTAssertEqual(m.tick(now: at(3.99)), [])
        XCTAssertEqual(m.tick(now: at(4)), [.send(.control, closeFrame(1000))])
        XCTAssertFalse(m.acceptsInput)
        XCTAssertEqual(m.receivedData(on: .stdout), .discard, "output after the kill is dropped")
        XCTAssertEqual(m.receivedClose(on: .control, frame: WebSocketCloseFrame(code: .normalClosure), now: at(4.01)),
                       [.closeSocket(.control)])
        _ = m.receivedEOF(on: .stdout, now: at(4.1))
        _ = m.receivedEOF(on: .stderr, now: at(4.1))
        let c = m.waitAnswered(.success(137), now: at(4.2)).completion
        XCTAssertEqual(c?.exitStatus, 137)
        XCTAssertEqual(c?.terminatedBy, 15)
        XCTAssertEqual(c?.killedReason, "the session did not end within 3 s of SIGTERM")
    }

    func testASecondSIGHUPEndsTheCommandAtOnce() {
        var m = ExecSessionMachine.pipes()
        _ = m.perform(.terminate(signal: 1, name: "SIGHUP"), now: at(1))
        XCTAssertEqual(m.perform(.terminate(signal: 1, name: "SIGHUP"), now: at(1.5)), [.send(.control, closeFrame(1000))])
        XCTAssertEqual(m.perform(.kill(reason: "again"), now: at(1.6)), [], "one kill only")
    }

    func testACommandThatEndsWithinTheGraceIsNotKilled() {
        var m = ExecSessionMachine.pipes(input: false)
        _ = m.perform(.terminate(signal: 15, name: "SIGTERM"), now: at(1))
        _ = m.receivedBarrier(on: .stdout, now: at(1.5))
        _ = m.receivedBarrier(on: .stderr, now: at(1.5))
        let c = m.waitAnswered(.success(143), now: at(1.6)).completion
        XCTAssertEqual(c?.exitStatus, 143)
        XCTAssertNil(c?.killedReason)
        XCTAssertNil(c?.terminatedBy)
    }

    func testKillWithoutControlClosesFd0() {
        var m = ExecSessionMachine.pipes(control: false)
        XCTAssertEqual(m.perform(.kill(reason: "limit"), now: at(1)), [.send(.stdin, closeFrame(1000))])
    }

    func testAKilledSessionThatTheDaemonNeverEndsStopsAfterTheLookupTime() {
        var m = ExecSessionMachine.pipes()
        _ = m.perform(.kill(reason: "limit"), now: at(1))
        XCTAssertEqual(m.tick(now: at(5.9)), [])
        XCTAssertEqual(m.tick(now: at(6)).failure, .noExitStatus("the command was ended but LXD did not report its end"))
    }

    func testTheTimeoutSendsSIGTERMThenEndsTheCommandAGraceLater() {
        var configuration = ExecSessionMachine.Configuration()
        configuration.timeout = 10
        var m = ExecSessionMachine.pipes(configuration: configuration)
        XCTAssertEqual(m.nextDeadline, at(10))
        XCTAssertEqual(m.tick(now: at(10)).frames(on: .control), [.text(utf8(#"{"command":"signal","args":{},"signal":15}"#))])
        XCTAssertEqual(m.tick(now: at(13)), [.send(.control, closeFrame(1000))])
        _ = m.receivedEOF(on: .stdout, now: at(13.1))
        _ = m.receivedEOF(on: .stderr, now: at(13.1))
        let c = m.waitAnswered(.success(137), now: at(13.2)).completion
        XCTAssertEqual(c?.timedOut, true)
        XCTAssertNil(c?.terminatedBy, "a timeout is not a signal of ours")
    }

    func testAClosedReaderEndsTheCommandAndTheSessionAtOnce() {
        var m = ExecSessionMachine.pipes()
        let actions = m.localOutputClosed(now: at(1))
        XCTAssertEqual(actions.frames(on: .control), [closeFrame(1000)])
        let c = actions.completion
        XCTAssertEqual(c?.localOutputClosed, true)
        XCTAssertNil(c?.exitStatus, "the status is not waited for: we die of SIGPIPE")
    }

    func testAFullDiskIsAnErrorNotABrokenPipe() {
        var m = ExecSessionMachine.pipes()
        let actions = m.localOutputFailed(.stdout, errno: 28, message: "No space left on device", now: at(1))
        XCTAssertEqual(actions.frames(on: .control), [closeFrame(1000)], "the remote command is ended")
        XCTAssertEqual(actions.failure, .localOutput(.stdout, errno: 28, message: "No space left on device"))
        XCTAssertEqual(actions.failure?.description, "writing to stdout failed: No space left on device; the command was ended")
    }
}
