import JSON

/// What the local side asks of a running session (a signal relay, a window, a caller).
public enum ExecControlAction: Sendable, Equatable {
    /// Forward a signal over the control socket (`kill(pid, sig)` of the top process).
    case signal(Int32)
    /// Forward a signal that asks the command to end (SIGTERM, SIGHUP): if the session
    /// is still running `terminationGrace` later, or the same request comes again, the
    /// session ends the command. `name` is for messages ("SIGTERM").
    case terminate(signal: Int32, name: String)
    /// Tell the daemon the PTY's new size (interactive sessions only).
    case resize(columns: Int, rows: Int)
    /// End the command now: the control socket is closed, LXD SIGKILLs the top process.
    case kill(reason: String)
}

/// The JSON messages of the control socket (protocol notes §3), built with the JSON
/// module. LXD reads `api.InstanceExecControl`: `command`, `args` (string → string),
/// `signal`.
enum ExecControlMessage {
    /// `{"command":"signal","args":{},"signal":N}`: `kill(pid, N)` of the top process.
    static func signal(_ number: Int32) -> [UInt8] {
        let message: JSONObject = [
            "command": .string("signal"),
            "args": .object(JSONObject()),
            "signal": JSONValue(Int(number)),
        ]
        return JSONValue.object(message).serializedBytes()
    }

    /// `window-resize` with the size as JSON *strings*: numbers fail to unmarshal on the
    /// daemon and are silently ignored. `signal` is 0, as lxc sends it.
    static func windowResize(columns: Int, rows: Int) -> [UInt8] {
        let message: JSONObject = [
            "command": .string("window-resize"),
            "args": .object(["width": .string(String(columns)), "height": .string(String(rows))]),
            "signal": JSONValue(0),
        ]
        return JSONValue.object(message).serializedBytes()
    }
}
