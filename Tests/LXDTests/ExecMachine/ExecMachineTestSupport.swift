import WebSocket
import XCTest

@testable import LXD

/// Seconds as the machine's instants.
func at(_ seconds: Double) -> ExecInstant { ExecInstant(seconds * 1e9) }

extension ExecOperationState {
    static func success(_ status: Int) -> ExecOperationState {
        ExecOperationState(isFinal: true, exitStatus: status, statusCode: 200, status: "Success")
    }
    static func failure(_ status: Int?, err: String) -> ExecOperationState {
        ExecOperationState(isFinal: true, exitStatus: status, statusCode: 400, status: "Failure", err: err)
    }
    static let running = ExecOperationState(isFinal: false, exitStatus: nil, statusCode: 103, status: "Running")
}

extension ExecSessionMachine {
    /// Three pipes and control, input open, `/wait` out, started at 0.
    static func pipes(input: Bool = true, control: Bool = true, wait: Bool = true,
                      configuration: Configuration = Configuration()) -> ExecSessionMachine {
        var attached: Set<ExecStream> = [.stdin, .stdout, .stderr]
        if control { attached.insert(.control) }
        return ExecSessionMachine(interactive: false, attached: attached, hasInput: input, waitPending: wait,
                                  configuration: configuration, now: 0)
    }

    /// One PTY on fd 0 and control.
    static func pty(input: Bool = true, configuration: Configuration = Configuration()) -> ExecSessionMachine {
        ExecSessionMachine(interactive: true, attached: [.stdin, .control], hasInput: input, waitPending: true,
                           configuration: configuration, now: 0)
    }
}

extension [ExecAction] {
    /// The outcome, when the actions end the session.
    var outcome: ExecOutcome? {
        for case .finish(let o) in self { return o }
        return nil
    }

    var completion: ExecCompletion? {
        if case .completed(let c) = outcome { return c }
        return nil
    }

    var failure: ExecSessionError? {
        if case .failed(let e) = outcome { return e }
        return nil
    }

    /// The frames sent on `fd`, in order.
    func frames(on fd: ExecStream) -> [ExecFrame] {
        compactMap { if case .send(fd, let f) = $0 { return f } else { return nil } }
    }
}

/// The close frame with a code, as the codec builds it.
func closeFrame(_ code: UInt16) -> ExecFrame { .close(WebSocketCloseFrame(code: WebSocketCloseCode(code: code))) }

func utf8(_ s: String) -> [UInt8] { Array(s.utf8) }
