import HTTP
import WebSocket

@testable import LXD

/// A plan with fixed keys and bounds (connect 10 s, POST 17 s, attach 10 s).
func setupPlan(interactive: Bool = false, awaitsStatus: Bool = true) -> ExecSetupPlan {
    let post = Array("POST /1.0/instances/c1/exec HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n{}".utf8)
    var keys: [ExecStream: String] = [:]
    for (i, fd) in [ExecStream.control, .stdin, .stdout, .stderr].enumerated() {
        keys[fd] = WebSocketHandshake.base64(Array(repeating: UInt8(i + 1), count: 16))
    }
    var plan = ExecSetupPlan(post: post, postDescription: "POST /1.0/instances/c1/exec", interactive: interactive,
                             host: "h", address: "https://h:8443", keys: keys)
    plan.awaitsStatus = awaitsStatus
    plan.userAgent = "t"
    plan.connectWhat = "connect to h:8443"
    return plan
}

let opID = "2152430a-1b36-4030-9caa-462fd51c03f1"

/// Nanoseconds for `seconds`.
func sec(_ seconds: Double) -> ExecInstant { ExecInstant(seconds * 1e9) }

/// An HTTP/1.1 answer with a JSON body.
func answer(_ status: Int, _ reason: String, body: String, headers: String = "") -> [UInt8] {
    Array("HTTP/1.1 \(status) \(reason)\r\nContent-Type: application/json\r\n\(headers)Content-Length: \(body.utf8.count)\r\n\r\n\(body)".utf8)
}

/// The daemon's 202 for an exec, offering `fds` (secret "s-<fd>").
func postAnswer(fds: [String] = ["0", "1", "2", "control"], location: String = "none") -> [UInt8] {
    let list = fds.map { "\"\($0)\":\"s-\($0)\"" }.joined(separator: ",")
    let body = #"{"type":"async","status":"Operation created","status_code":100,"operation":"/1.0/operations/\#(opID)","error_code":0,"error":"","metadata":{"id":"\#(opID)","class":"websocket","status":"Running","status_code":103,"metadata":{"fds":{\#(list)},"interactive":false},"may_cancel":false,"err":"","location":"\#(location)"}}"#
    return answer(202, "Accepted", body: body, headers: "Location: /1.0/operations/\(opID)\r\n")
}

/// The daemon's error envelope.
func errorAnswer(_ code: Int, _ reason: String, _ message: String) -> [UInt8] {
    answer(code, reason, body: #"{"type":"error","status":"","status_code":0,"operation":"","error_code":\#(code),"error":"\#(message)","metadata":null}"#)
}

/// A 101 for the key `plan` holds for `fd`, then `extra` bytes (the first frames).
func switching(_ plan: ExecSetupPlan, _ fd: ExecStream, accept: String? = nil, extra: [UInt8] = []) -> [UInt8] {
    let value = accept ?? WebSocketHandshake.acceptValue(forKey: plan.keys[fd]!)
    return Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: \(value)\r\n\r\n".utf8) + extra
}

/// The exact upgrade request for `fd`.
func upgradeBytes(_ plan: ExecSetupPlan, _ fd: ExecStream) -> [UInt8] {
    Array(("GET /1.0/operations/\(opID)/websocket?secret=s-\(fd.rawValue) HTTP/1.1\r\nHost: h\r\nUser-Agent: t\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: \(plan.keys[fd]!)\r\nSec-WebSocket-Version: 13\r\nUpgrade: websocket\r\n\r\n").utf8)
}

/// Actions as text, for exact comparisons ("send rest 61", "upgrade fd 0", "failed …").
func describe(_ actions: [SetupAction]) -> [String] {
    actions.compactMap { a -> String? in
        switch a {
        case .connect(let l): return "connect \(l)"
        case .send(let l, let b):
            let text = String(decoding: b, as: UTF8.self)
            if text.hasPrefix("GET /1.0/operations/\(opID)/websocket") { return "upgrade \(l)" }
            if text.hasPrefix("GET /1.0/operations/\(opID)/wait") { return "wait \(l)" }
            return "send \(l) \(b.count)"
        case .close(let l): return "close \(l)"
        case .answered: return nil
        case .attached(let at):
            let fds = at.leftovers.keys.map(\.rawValue).sorted().joined(separator: ",")
            return "attached \(fds) wait=\(at.waitSent) location=\(at.location ?? "-")"
        case .failed(let e): return "failed \(e)"
        }
    }
}

extension ExecSetupMachine {
    /// Started, every link connected and the POST answered with `post`.
    static func answered(_ plan: ExecSetupPlan = setupPlan(), post: [UInt8] = postAnswer()) -> ExecSetupMachine {
        var m = ExecSetupMachine(plan: plan, now: 0)
        _ = m.start(now: 0)
        _ = m.connected(.rest, now: 1)
        for fd in plan.sockets { _ = m.connected(.socket(fd), now: 1) }
        _ = m.received(.rest, post, now: 2)
        return m
    }
}
