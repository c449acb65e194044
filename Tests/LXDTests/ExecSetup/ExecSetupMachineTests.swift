import HTTP
import Transport
import XCTest

@testable import LXD

/// The set-up of one exec as a pure machine (lxd-exec-protocol.md §1, §2, §12): every
/// connection at once, the POST, the upgrades as soon as the secrets are known, the
/// `/wait`, and each failure ending the set-up with its own words.
final class ExecSetupMachineTests: XCTestCase {
    func testEveryConnectionOpensAtOnce() {
        var m = ExecSetupMachine(plan: setupPlan(), now: 0)
        XCTAssertEqual(describe(m.start(now: 0)), ["connect rest", "connect fd control", "connect fd 0", "connect fd 1", "connect fd 2"])
        var pty = ExecSetupMachine(plan: setupPlan(interactive: true), now: 0)
        XCTAssertEqual(describe(pty.start(now: 0)), ["connect rest", "connect fd control", "connect fd 0"])
    }

    func testThePostGoesOutExactlyWhenTheRestConnectionIsUp() {
        let plan = setupPlan()
        var m = ExecSetupMachine(plan: plan, now: 0)
        _ = m.start(now: 0)
        XCTAssertFalse(m.awaitsAnswer(.rest))
        let actions = m.connected(.rest, now: 1)
        guard case .send(.rest, let bytes) = actions.first, actions.count == 1 else { return XCTFail("\(describe(actions))") }
        XCTAssertEqual(bytes, plan.post)
        XCTAssertTrue(m.awaitsAnswer(.rest))
    }

    func testASocketUpBeforeTheAnswerWaitsThenUpgradesAtOnceWithTheWait() {
        let plan = setupPlan()
        var m = ExecSetupMachine(plan: plan, now: 0)
        _ = m.start(now: 0)
        _ = m.connected(.rest, now: 1)
        XCTAssertEqual(describe(m.connected(.socket(.stdin), now: 1)), [], "no secret yet")
        XCTAssertEqual(describe(m.connected(.socket(.control), now: 1)), [])
        let answered = m.received(.rest, postAnswer(), now: 2)
        XCTAssertEqual(describe(answered), ["upgrade fd control", "upgrade fd 0",
                                            "wait rest"])
        guard case .send(_, let upgrade) = answered[1] else { return XCTFail() }
        XCTAssertEqual(upgrade, upgradeBytes(plan, .control))
        guard case .send(.rest, let wait) = answered.last else { return XCTFail() }
        XCTAssertEqual(String(decoding: wait, as: UTF8.self),
                       "GET /1.0/operations/\(opID)/wait?timeout=-1 HTTP/1.1\r\nHost: h\r\nUser-Agent: t\r\nConnection: keep-alive\r\n\r\n")
        // A socket that comes up later sends its upgrade at once.
        let late = m.connected(.socket(.stdout), now: 3)
        XCTAssertEqual(late.count, 1)
        guard case .send(.socket(.stdout), let bytes) = late.first else { return XCTFail() }
        XCTAssertEqual(bytes, upgradeBytes(plan, .stdout))
    }

    /// Control's upgrade goes out first: 0/1/2 up before it wait for its connection (the
    /// daemon starts the command once 0/1/2 are attached).
    func testControlsUpgradeGoesOutBeforeTheOthers() {
        var m = ExecSetupMachine(plan: setupPlan(), now: 0)
        _ = m.start(now: 0)
        _ = m.connected(.rest, now: 1)
        for fd in [ExecStream.stdin, .stdout, .stderr] { _ = m.connected(.socket(fd), now: 1) }
        XCTAssertEqual(describe(m.received(.rest, postAnswer(), now: 2)), ["wait rest"], "control is not up yet")
        XCTAssertEqual(describe(m.connected(.socket(.control), now: 3)),
                       ["upgrade fd control", "upgrade fd 0", "upgrade fd 1", "upgrade fd 2"])
        // A control connection that fails without a PTY lets the others go.
        var lost = ExecSetupMachine(plan: setupPlan(), now: 0)
        _ = lost.start(now: 0)
        _ = lost.connected(.rest, now: 1)
        _ = lost.connected(.socket(.stdin), now: 1)
        _ = lost.received(.rest, postAnswer(), now: 2)
        XCTAssertEqual(describe(lost.failed(.socket(.control), .connectionClosed("read"), now: 3)),
                       ["close fd control", "upgrade fd 0"])
    }

    /// Over the unix socket (`controlAttachesFirst`) 0/1/2 wait for control's answer, so
    /// a command cannot end before control is attached; a refused or lost control lets
    /// them go; with a PTY nothing waits for it (the command needs control to start).
    func testWithControlAttachesFirstTheOthersWaitForControlsAnswer() {
        var plan = setupPlan()
        plan.controlAttachesFirst = true
        func upToTheAnswer() -> ExecSetupMachine {
            var m = ExecSetupMachine(plan: plan, now: 0)
            _ = m.start(now: 0)
            _ = m.connected(.rest, now: 1)
            for fd in [ExecStream.control, .stdin, .stdout] { _ = m.connected(.socket(fd), now: 1) }
            XCTAssertEqual(describe(m.received(.rest, postAnswer(), now: 2)), ["upgrade fd control", "wait rest"])
            XCTAssertEqual(describe(m.connected(.socket(.stderr), now: 3)), [], "fd 2 waits for control's answer")
            return m
        }
        var m = upToTheAnswer()
        let released = m.received(.socket(.control), switching(plan, .control), now: 4)
        XCTAssertEqual(describe(released), ["upgrade fd 0", "upgrade fd 1", "upgrade fd 2"])
        let sent = released.compactMap { action -> [UInt8]? in
            if case .send(.socket(.stdin), let bytes) = action { return bytes }
            return nil
        }
        XCTAssertEqual(sent, [upgradeBytes(plan, .stdin)])
        for fd in [ExecStream.stdin, .stdout] { XCTAssertEqual(describe(m.received(.socket(fd), switching(plan, fd), now: 5)), []) }
        XCTAssertEqual(describe(m.received(.socket(.stderr), switching(plan, .stderr), now: 5)),
                       ["attached 0,1,2,control wait=true location=-"])

        var refused = upToTheAnswer()
        XCTAssertEqual(describe(refused.received(.socket(.control), errorAnswer(500, "Internal Server Error",
                                                                                  "Only running operations can be connected"), now: 4)),
                       ["close fd control", "upgrade fd 0", "upgrade fd 1", "upgrade fd 2"])
        var lost = upToTheAnswer()
        XCTAssertEqual(describe(lost.failed(.socket(.control), .connectionClosed("read"), now: 4)),
                       ["close fd control", "upgrade fd 0", "upgrade fd 1", "upgrade fd 2"])

        var ptyPlan = setupPlan(interactive: true)
        ptyPlan.controlAttachesFirst = true
        var pty = ExecSetupMachine(plan: ptyPlan, now: 0)
        _ = pty.start(now: 0)
        _ = pty.connected(.rest, now: 1)
        for fd in [ExecStream.control, .stdin] { _ = pty.connected(.socket(fd), now: 1) }
        XCTAssertEqual(describe(pty.received(.rest, postAnswer(fds: ["0", "control"]), now: 2)),
                       ["upgrade fd control", "upgrade fd 0", "wait rest"])
    }

    func testAPostAnswerSplitAtEveryByteActsOnlyOnItsLastByte() {
        let whole = postAnswer()
        for split in 1..<whole.count {
            var m = ExecSetupMachine(plan: setupPlan(), now: 0)
            _ = m.start(now: 0)
            _ = m.connected(.rest, now: 1)
            XCTAssertEqual(describe(m.received(.rest, Array(whole[..<split]), now: 2)), [], "split at \(split)")
            XCTAssertEqual(describe(m.received(.rest, Array(whole[split...]), now: 2)), ["wait rest"], "split at \(split)")
        }
    }

    func testAttachedOnceEveryUpgradeIsCheckedWithTheBytesAfterEach101() {
        let plan = setupPlan()
        var m = ExecSetupMachine.answered(plan)
        XCTAssertEqual(describe(m.received(.socket(.control), switching(plan, .control), now: 3)), [])
        XCTAssertEqual(describe(m.received(.socket(.stdin), switching(plan, .stdin), now: 3)), [])
        XCTAssertEqual(describe(m.received(.socket(.stdout), switching(plan, .stdout, extra: [0x89, 0]), now: 3)), [])
        let response = switching(plan, .stderr, extra: [0x82, 1, 0x41])
        // Split: nothing until the head is complete.
        XCTAssertEqual(describe(m.received(.socket(.stderr), Array(response[..<20]), now: 3)), [])
        let done = m.received(.socket(.stderr), Array(response[20...]), now: 4)
        XCTAssertEqual(describe(done), ["attached 0,1,2,control wait=true location=-"])
        guard case .attached(let a) = done.last else { return XCTFail() }
        XCTAssertEqual(a.operationID, opID)
        XCTAssertEqual(a.leftovers[.stdout], [0x89, 0])
        XCTAssertEqual(a.leftovers[.stderr], [0x82, 1, 0x41])
        XCTAssertEqual(a.leftovers[.stdin], [])
        XCTAssertTrue(m.isFinished)
        XCTAssertNil(m.nextDeadline)
    }

    func testAClusterAnswerCarriesTheInstancesMember() {
        let plan = setupPlan(interactive: true)
        var m = ExecSetupMachine.answered(plan, post: postAnswer(fds: ["0", "control"], location: "node2"))
        _ = m.received(.socket(.control), switching(plan, .control), now: 3)
        XCTAssertEqual(describe(m.received(.socket(.stdin), switching(plan, .stdin), now: 3)),
                       ["attached 0,control wait=true location=node2"])
    }

    func testASocketTheDaemonDoesNotOfferIsClosedAndNotAwaited() {
        let plan = setupPlan()
        var m = ExecSetupMachine(plan: plan, now: 0)
        _ = m.start(now: 0)
        _ = m.connected(.rest, now: 1)
        XCTAssertEqual(describe(m.received(.rest, postAnswer(fds: ["0", "1", "2"]), now: 2)), ["close fd control", "wait rest"])
        for fd in [ExecStream.stdin, .stdout, .stderr] { _ = m.connected(.socket(fd), now: 3) }
        _ = m.received(.socket(.stdin), switching(plan, .stdin), now: 4)
        _ = m.received(.socket(.stdout), switching(plan, .stdout), now: 4)
        XCTAssertEqual(describe(m.received(.socket(.stderr), switching(plan, .stderr), now: 4)),
                       ["attached 0,1,2 wait=true location=-"])
    }

    func testAnErrorEnvelopeFailsWithTheDaemonsWords() {
        var m = ExecSetupMachine(plan: setupPlan(), now: 0)
        _ = m.start(now: 0)
        _ = m.connected(.rest, now: 1)
        XCTAssertEqual(describe(m.received(.rest, errorAnswer(404, "Not Found", "Instance not found"), now: 2)),
                       ["failed Instance not found"])
        XCTAssertTrue(m.isFinished)
        XCTAssertEqual(describe(m.connected(.socket(.stdin), now: 3)), [], "nothing after the end")
        var stopped = ExecSetupMachine(plan: setupPlan(), now: 0)
        _ = stopped.start(now: 0)
        _ = stopped.connected(.rest, now: 1)
        XCTAssertEqual(describe(stopped.received(.rest, errorAnswer(500, "Internal Server Error", "Instance is not running"), now: 2)),
                       ["failed Instance is not running"])
    }

    func testASyncAnswerOrOneWithoutFd0IsAProtocolError() {
        var sync = ExecSetupMachine(plan: setupPlan(), now: 0)
        _ = sync.start(now: 0)
        _ = sync.connected(.rest, now: 1)
        let body = #"{"type":"sync","status":"Success","status_code":200,"operation":"","error_code":0,"error":"","metadata":{}}"#
        XCTAssertEqual(describe(sync.received(.rest, answer(200, "OK", body: body), now: 2)),
                       ["failed protocol error: exec answered without an operation"])
        var noStdin = ExecSetupMachine(plan: setupPlan(), now: 0)
        _ = noStdin.start(now: 0)
        _ = noStdin.connected(.rest, now: 1)
        XCTAssertEqual(describe(noStdin.received(.rest, postAnswer(fds: ["1", "2"]), now: 2)),
                       ["failed protocol error: exec operation without fd 0"])
    }

    func testARefusedUpgradeFailsWithTheEnvelopesMessage() {
        let plan = setupPlan()
        var m = ExecSetupMachine.answered(plan)
        XCTAssertEqual(describe(m.received(.socket(.stdin), errorAnswer(500, "Internal Server Error", "permission denied"), now: 3)),
                       ["failed permission denied"])
        var wrong = ExecSetupMachine.answered(plan)
        XCTAssertEqual(describe(wrong.received(.socket(.stdout), switching(plan, .stdout, accept: "bm90IGl0"), now: 3)),
                       ["failed invalid websocket upgrade response: wrong Sec-WebSocket-Accept"])
    }

    func testControlMayBeMissingWithoutAPtyButNotWithOne() {
        let plan = setupPlan()
        var m = ExecSetupMachine.answered(plan)
        XCTAssertEqual(describe(m.received(.socket(.control), errorAnswer(500, "Internal Server Error", "Only running operations can be connected"), now: 3)),
                       ["close fd control"])
        var pty = ExecSetupMachine.answered(setupPlan(interactive: true), post: postAnswer(fds: ["0", "control"]))
        XCTAssertEqual(describe(pty.received(.socket(.control), errorAnswer(500, "Internal Server Error", "permission denied"), now: 3)),
                       ["failed permission denied"])
    }

    func testARefusedConnectOrATLSFailureFailsWithTheTransportError() {
        var m = ExecSetupMachine(plan: setupPlan(), now: 0)
        _ = m.start(now: 0)
        XCTAssertEqual(describe(m.failed(.socket(.stdout), .tcpConnectFailed(host: "h", port: 8443, errno: ECONNREFUSED), now: 1)),
                       ["failed \(TransportError.tcpConnectFailed(host: "h", port: 8443, errno: ECONNREFUSED))"])
        var tls = ExecSetupMachine(plan: setupPlan(), now: 0)
        _ = tls.start(now: 0)
        XCTAssertEqual(describe(tls.failed(.rest, .tlsHandshake("connection closed by h"), now: 1)),
                       ["failed \(TransportError.tlsHandshake("connection closed by h"))"])
    }

    func testTheDaemonClosingBeforeAnsweringFails() {
        var m = ExecSetupMachine(plan: setupPlan(), now: 0)
        _ = m.start(now: 0)
        _ = m.connected(.rest, now: 1)
        _ = m.received(.rest, Array(postAnswer()[..<30]), now: 2)
        XCTAssertEqual(m.peerClosed(.rest, now: 3).count, 1)
        XCTAssertTrue(m.isFinished)
    }

    func testEachDeadlineFiresMidStepWithItsOwnWords() {
        // Connecting: 10 s, named by the stage reached.
        var connecting = ExecSetupMachine(plan: setupPlan(), now: 0)
        _ = connecting.start(now: 0)
        _ = connecting.connected(.rest, now: 1)
        for fd in connecting.plan.sockets { connecting.handshaking(.socket(fd), what: "TLS handshake with vm") }
        XCTAssertEqual(connecting.nextDeadline, sec(10))
        XCTAssertEqual(describe(connecting.tick(now: sec(9.9))), [])
        XCTAssertEqual(describe(connecting.tick(now: sec(10))),
                       ["failed timed out after 10.0 s connecting to https://h:8443 (TLS handshake with vm)"])
        var tcp = ExecSetupMachine(plan: setupPlan(), now: 0)
        _ = tcp.start(now: 0)
        XCTAssertEqual(describe(tcp.tick(now: sec(10))),
                       ["failed timed out after 10.0 s connecting to https://h:8443 (connect to h:8443)"])
        // The POST's answer: 17 s from the start.
        var posting = ExecSetupMachine(plan: setupPlan(), now: 0)
        _ = posting.start(now: 0)
        _ = posting.connected(.rest, now: 1)
        for fd in posting.plan.sockets { _ = posting.connected(.socket(fd), now: 1) }
        XCTAssertEqual(posting.nextDeadline, sec(17))
        XCTAssertEqual(describe(posting.tick(now: sec(17))),
                       ["failed timed out after 17 s waiting for LXD at https://h:8443 to answer POST /1.0/instances/c1/exec"])
        // The upgrades: 10 s from the POST's answer.
        var attaching = ExecSetupMachine.answered()
        XCTAssertEqual(attaching.nextDeadline, 2 + sec(10))
        XCTAssertEqual(describe(attaching.tick(now: 1 + sec(10))), [])
        XCTAssertEqual(describe(attaching.tick(now: 2 + sec(10))),
                       ["failed timed out after 10 s waiting for LXD to attach the command's websockets"])
    }

    func testAConsoleSendsNoWaitAndReleasesTheRestConnection() {
        var m = ExecSetupMachine(plan: setupPlan(interactive: true, awaitsStatus: false), now: 0)
        _ = m.start(now: 0)
        _ = m.connected(.rest, now: 1)
        XCTAssertEqual(describe(m.received(.rest, postAnswer(fds: ["0", "control"]), now: 2)), ["close rest"])
    }
}
