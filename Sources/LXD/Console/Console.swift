import JSON
import Transport

extension LXDClient {
    /// Attaches to `instance`'s console: `POST /1.0/instances/<name>/console` with
    /// `type: console` and the terminal's size, then websockets `0` (the console both
    /// ways) and `control` (window sizes; closing it detaches). The session has no exit
    /// status: it ends when it is detached (`.kill`) or the daemon closes the console
    /// (the instance stopped).
    public func console(instance: String, width: Int? = nil, height: Int? = nil) throws(LXDError) -> ExecSession {
        var body: JSONObject = ["type": .string("console")]
        if let width, let height, width > 0, height > 0 {
            _ = body.updateValue(JSONValue(width), forKey: "width")
            _ = body.updateValue(JSONValue(height), forKey: "height")
        }
        return try attach(setupPlan(path: "/1.0/instances/\(percentEncode(instance))/console", body: .object(body),
                                    interactive: true, awaitsStatus: false))
    }

    /// `GET /1.0/instances/<name>/console`: the console log, as the daemon keeps it.
    public func consoleLog(instance: String) throws(LXDError) -> [UInt8] {
        try fetchFile("/1.0/instances/\(percentEncode(instance))/console")
    }
}
