import HTTP
import JSON

/// A decoded LXD response envelope (`/1.0` REST API, doc/rest-api.md).
///
/// Sync: `{"type":"sync","status_code":200,"metadata":...}`;
/// async: `{"type":"async","status_code":100,"operation":"/1.0/operations/<id>","metadata":<op>}`;
/// error: `{"type":"error","error_code":404,"error":"Instance not found"}` (thrown).
public struct LXDResponse: Sendable {
    /// The envelope's `type`.
    public enum Kind: String, Sendable {
        /// The answer itself.
        case sync
        /// An operation was started; `metadata` describes it.
        case async
    }
    /// Sync or async (an error envelope is thrown, not returned).
    public var kind: Kind
    /// The envelope's `status_code` (200 sync, 100 async).
    public var statusCode: Int
    /// For async responses, the operation URL.
    public var operation: String
    /// The envelope's `metadata`: the answer, or for async responses the operation.
    public var metadata: JSONValue
    /// The HTTP status line's code (the envelope is authoritative; see `wait`).
    public var httpStatus: Int

    /// Decodes an HTTP response into an envelope, throwing `LXDError.api` for error
    /// envelopes. The body's `type` decides, never the HTTP code alone: LXD ≥ 5.20 sends
    /// error envelopes with HTTP 200 from `/wait`.
    public static func decode(_ response: HTTPResponse) throws(LXDError) -> LXDResponse {
        let value: JSONValue
        do {
            value = try JSONValue.parse(response.body)
        } catch {
            if response.status >= 400 {
                let text = response.bodyText.split(separator: "\n").first.map(String.init) ?? ""
                throw .api(code: response.status, message: text.isEmpty ? "HTTP \(response.status) \(response.reason)" : text)
            }
            throw .protocolViolation("HTTP \(response.status) with a body that is not JSON (\(error))")
        }
        switch value["type"]?.stringValue {
        case "sync", "async":
            return LXDResponse(
                kind: value["type"]?.stringValue == "sync" ? .sync : .async,
                statusCode: value["status_code"]?.intValue ?? 0,
                operation: value["operation"]?.stringValue ?? "",
                metadata: value["metadata"] ?? .null,
                httpStatus: response.status)
        case "error":
            let code = value["error_code"]?.intValue ?? response.status
            let message = value["error"]?.stringValue ?? "HTTP \(response.status)"
            throw .api(code: code, message: message.isEmpty ? "HTTP \(response.status)" : message)
        default:
            throw .protocolViolation("response without a known \"type\" (HTTP \(response.status))")
        }
    }
}
