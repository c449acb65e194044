// libFuzzer harness for the exec session machine (built by Scripts/fuzz, see
// Fuzz/Package.swift).
//
// Input: byte 0 picks the session's shape (interactive, local input, control attached,
// `/wait` out, a timeout); every following pair of bytes is one event in any order the
// fuzzer likes, with time moving forward. Invariants checked after every event:
// - at most one `finish`, and nothing at all after it (no delivery, no frame);
// - nothing sent on a socket after our close frame on it, no data after any close;
// - no text frame on fd 0 of an interactive session (5.0.2 would close the PTY);
// - no data frame ever on fds 1 and 2;
// and at the end, the session always finishes once the daemon goes away and time passes.

import Glibc
import LXD
import FuzzMain
import WebSocket

private struct Checker {
    let interactive: Bool
    var finished = false
    var closedByUs: Set<String> = []

    mutating func check(_ actions: [ExecAction], _ m: ExecSessionMachine) {
        for action in actions {
            if finished { fatalError("action after finish: \(action)") }
            switch action {
            case .finish:
                finished = true
            case .send(let fd, let frame):
                if closedByUs.contains(fd.rawValue) { fatalError("sent \(frame) on fd \(fd.rawValue) after our close") }
                switch frame {
                case .close: closedByUs.insert(fd.rawValue)
                case .text:
                    if interactive && fd == .stdin { fatalError("text frame on an interactive fd 0") }
                    if fd == .stdout || fd == .stderr { fatalError("data on fd \(fd.rawValue)") }
                case .binary:
                    if fd != .stdin { fatalError("binary on fd \(fd.rawValue)") }
                case .ping, .pong: break
                }
            case .closeSocket, .lookUpResult: break
            }
        }
        if finished != m.isFinished { fatalError("isFinished \(m.isFinished) but finish seen \(finished)") }
        if m.isFinished {
            for fd in ExecStream.allCases where m.receivedData(on: fd) != .discard { fatalError("delivers after finish") }
            if m.acceptsInput { fatalError("accepts input after finish") }
        }
    }
}

private let streams: [ExecStream] = [.stdin, .stdout, .stderr, .control]

private func operation(_ b: UInt8) -> ExecOperationState {
    switch b % 4 {
    case 0: return ExecOperationState(isFinal: true, exitStatus: Int(b), statusCode: 200, status: "Success")
    case 1: return ExecOperationState(isFinal: true, exitStatus: 127, statusCode: 400, status: "Failure", err: "Command not found")
    case 2: return ExecOperationState(isFinal: true, exitStatus: nil, statusCode: 400, status: "Failure", err: "Timed out")
    default: return ExecOperationState(isFinal: false, exitStatus: nil, statusCode: 103, status: "Running")
    }
}

func fuzzExecMachine(_ data: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let data, count >= 1 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: count))
    let shape = bytes[0]
    let interactive = shape & 1 != 0
    var attached: Set<ExecStream> = interactive ? [.stdin] : [.stdin, .stdout, .stderr]
    if shape & 2 != 0 { attached.insert(.control) }
    var configuration = ExecSessionMachine.Configuration()
    if shape & 16 != 0 { configuration.timeout = Double(shape >> 5) }
    var now: ExecInstant = 1_000
    var m = ExecSessionMachine(interactive: interactive, attached: attached, hasInput: shape & 4 != 0,
                               waitPending: shape & 8 != 0, configuration: configuration, now: now)
    var checker = Checker(interactive: interactive)
    checker.check(m.start(now: now), m)

    var i = 1
    while i + 1 < bytes.count {
        let kind = bytes[i], arg = bytes[i + 1]
        i += 2
        now += ExecInstant(arg) * 20_000_000  // up to ~5 s per event
        let fd = streams[Int(arg) % 4]
        var actions: [ExecAction] = []
        switch kind % 18 {
        case 0: _ = m.receivedData(on: fd)
        case 1: actions = m.receivedBarrier(on: fd, now: now)
        case 2: actions = m.receivedPing(on: fd, payload: [arg], now: now)
        case 3: actions = m.receivedPong(on: fd, payload: [arg], now: now)
        case 4: actions = m.receivedClose(on: fd, frame: WebSocketCloseFrame(code: .normalClosure), now: now)
        case 5: actions = m.receivedEOF(on: fd, now: now)
        case 6: actions = m.receivedInvalidFrame(on: fd, error: .reservedBitsSet, now: now)
        case 7: actions = m.writeFailed(on: fd, now: now)
        case 8: _ = m.receivedInput(lastByte: arg)
        case 9: actions = m.inputEnded(now: now)
        case 10: actions = m.waitAnswered(operation(arg), now: now)
        case 11: actions = m.waitFailed("cut", now: now)
        case 12: actions = m.resultLookedUp(operation(arg), now: now)
        case 13: actions = m.lookupFailed("refused", now: now)
        case 14:
            let requests: [ExecControlAction] = [.signal(Int32(arg)), .terminate(signal: 15, name: "SIGTERM"),
                                                 .resize(columns: Int(arg), rows: 24), .kill(reason: "fuzz")]
            actions = m.perform(requests[Int(arg) % 4], now: now)
        case 15: actions = arg & 1 == 0 ? m.localOutputClosed(now: now)
            : m.localOutputFailed(.stdout, errno: 28, message: "No space left on device", now: now)
        case 16: m.receivedBytes(on: fd, now: now)
        default: actions = m.tick(now: now, readingSockets: arg & 1 == 0)
        }
        checker.check(actions, m)
    }

    // The daemon goes away; lookups fail; time passes: the session must end.
    for _ in 0..<8 where !m.isFinished {
        for fd in streams { checker.check(m.receivedEOF(on: fd, now: now), m) }
        let actions = m.tick(now: now)
        checker.check(actions, m)
        if actions.contains(.lookUpResult) { checker.check(m.lookupFailed("gone", now: now), m) }
        checker.check(m.waitFailed("gone", now: now), m)
        now += 100_000_000_000
    }
    if !m.isFinished { fatalError("the session never finished") }
    return 0
}

@main
enum Main {
    static func main() {
        runFuzzer(fuzzExecMachine)
    }
}
