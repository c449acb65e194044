import HTTP
import JSON

/// Secrets in LXD events: every exec operation's event carries the secrets of its
/// websockets (`metadata.metadata.fds`: `{"0": "<secret>", "control": "<secret>", …}`),
/// enough for anyone reading them to attach to the command. This replaces every value
/// under an `fds` object, and every `secret` / `secrets` field, with `<redacted>`, and
/// `secret=…` in any string.
public enum EventRedaction: Sendable {
    /// What replaces each secret.
    public static let placeholder = "<redacted>"

    /// `value` with every secret replaced by `placeholder`.
    public static func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var out = JSONObject(minimumCapacity: object.count)
            for (key, member) in object {
                let lower = key.lowercased()
                if lower == "fds", case .object(let fds) = member {
                    var hidden = JSONObject(minimumCapacity: fds.count)
                    for (fd, _) in fds { _ = hidden.updateValue(.string(placeholder), forKey: fd) }
                    _ = out.updateValue(.object(hidden), forKey: key)
                } else if lower == "secret" || lower == "secrets" {
                    _ = out.updateValue(hideLeaves(member), forKey: key)
                } else {
                    _ = out.updateValue(redact(member), forKey: key)
                }
            }
            return .object(out)
        case .array(let items):
            return .array(items.map(redact))
        case .string(let s):
            return s.contains("secret=") ? .string(redactSecrets(s)) : value
        default:
            return value
        }
    }

    /// Every string or number inside `value` becomes the placeholder (keys kept).
    static func hideLeaves(_ value: JSONValue) -> JSONValue {
        switch value {
        case .object(let object):
            var out = JSONObject(minimumCapacity: object.count)
            for (key, member) in object { _ = out.updateValue(hideLeaves(member), forKey: key) }
            return .object(out)
        case .array(let items):
            return .array(items.map(hideLeaves))
        case .null, .bool:
            return value
        default:
            return .string(placeholder)
        }
    }
}
