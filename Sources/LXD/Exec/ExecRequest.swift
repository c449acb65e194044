import JSON

/// What to run: the body of `POST /1.0/instances/<name>/exec` (api.InstanceExecPost).
public struct ExecRequest: Sendable {
    /// argv; executed directly, no shell.
    public var command: [String]
    /// Extra environment, in order. The daemon adds PATH, HOME, USER, LANG when absent.
    public var environment: [(String, String)]
    /// One PTY (fd 0 carries input and output) instead of three pipes.
    public var interactive: Bool
    /// Initial PTY size; sent only when interactive and both are known.
    public var width: Int?
    /// The PTY's rows (interactive).
    public var height: Int?
    /// Numeric uid / gid (no name lookup, as in LXD).
    public var user: UInt32?
    /// The group id to run as (nil: the instance's default).
    public var group: UInt32?
    /// Working directory; empty means `$HOME`, else `/`.
    public var cwd: String?

    /// A request to run `command`, an argv (no shell unless you name one).
    public init(command: [String], environment: [(String, String)] = [], interactive: Bool = false,
                width: Int? = nil, height: Int? = nil, user: UInt32? = nil, group: UInt32? = nil,
                cwd: String? = nil) {
        self.command = command
        self.environment = environment
        self.interactive = interactive
        self.width = width
        self.height = height
        self.user = user
        self.group = group
        self.cwd = cwd
    }

    /// The JSON body, with `wait-for-websocket: true` (we attach before it starts).
    public var body: JSONValue {
        var env = JSONObject()
        for (k, v) in environment { _ = env.updateValue(.string(v), forKey: k) }
        var o: JSONObject = [
            "command": JSONValue(command),
            "environment": .object(env),
            "interactive": .bool(interactive),
            "wait-for-websocket": true,
            "record-output": false,
        ]
        if interactive, let width, let height, width > 0, height > 0 {
            _ = o.updateValue(JSONValue(width), forKey: "width")
            _ = o.updateValue(JSONValue(height), forKey: "height")
        }
        if let user { _ = o.updateValue(JSONValue(Int(user)), forKey: "user") }
        if let group { _ = o.updateValue(JSONValue(Int(group)), forKey: "group") }
        if let cwd { _ = o.updateValue(.string(cwd), forKey: "cwd") }
        return .object(o)
    }
}
