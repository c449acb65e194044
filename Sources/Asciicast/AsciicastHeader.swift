import JSON

/// The first line of an asciicast v2 file: what a player needs before the first event.
public struct AsciicastHeader: Sendable, Equatable {
    /// The terminal's size in character cells when the recording started.
    public var width: Int
    public var height: Int
    /// Seconds since the Unix epoch when the recording started (wall clock, whole seconds).
    public var timestamp: Int64
    /// `TERM` and `SHELL`, where known (omitted when nil).
    public var term: String?
    public var shell: String?
    /// What was recorded (`local:c1 su -l`).
    public var title: String?

    public init(width: Int, height: Int, timestamp: Int64, term: String? = nil, shell: String? = nil, title: String? = nil) {
        self.width = width
        self.height = height
        self.timestamp = timestamp
        self.term = term
        self.shell = shell
        self.title = title
    }

    /// The header as one JSON line, newline included.
    public var line: [UInt8] {
        var env = JSONObject()
        if let term { env["TERM"] = .string(term) }
        if let shell { env["SHELL"] = .string(shell) }
        var header: JSONObject = [
            "version": JSONValue(2),
            "width": JSONValue(width),
            "height": JSONValue(height),
            "timestamp": .number(.int(timestamp)),
            "env": .object(env),
        ]
        if let title { header["title"] = .string(title) }
        var out = JSONValue.object(header).serializedBytes()
        out.append(0x0A)
        return out
    }
}
