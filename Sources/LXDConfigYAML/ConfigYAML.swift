import JSON
import LXD
import Yams

/// Reading lxc's config.yml with Yams. Only the `lxattach-config` executable links this (see
/// LXD/Config/ConfigLoader.swift for why).
public enum ConfigYAML {
    /// Why config.yml text was rejected: one line, with the YAML line number when known.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var message: String
        /// 1-based line of the problem, when known.
        public var line: Int?

        public init(_ message: String, line: Int? = nil) {
            self.message = message
            self.line = line
        }

        public var description: String {
            if let line { return "line \(line): \(message)" }
            return message
        }
    }

    /// Parses config.yml text into what the file says (no built-in remotes). Unknown keys
    /// are ignored, as lxc does; a missing or empty `default-remote` means `local`; a missing
    /// `protocol` means `lxd`; an empty document is an empty configuration.
    public static func parse(_ text: String) throws(ParseError) -> LXCConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw describe(error)
        } catch {
            throw ParseError("\(error)")
        }
        guard let root, !isNull(root) else { return LXCConfig() }
        guard let top = root.mapping else {
            throw ParseError("the document must be a mapping", line: root.mark?.line)
        }
        var config = LXCConfig()
        for (keyNode, value) in top {
            guard let key = keyNode.scalar?.string else { continue }
            switch key {
            case "default-remote":
                if let s = try optionalString(value, "default-remote") { config.defaultRemote = s.isEmpty ? "local" : s }
            case "remotes":
                if isNull(value) { continue }
                guard let remotes = value.mapping else {
                    throw ParseError("remotes: expected a mapping of remote names", line: value.mark?.line)
                }
                for (nameNode, remoteNode) in remotes {
                    guard let name = nameNode.scalar?.string, !name.isEmpty else {
                        throw ParseError("remotes: a remote name must be a non-empty string", line: nameNode.mark?.line)
                    }
                    config[remote: name] = try parseRemote(name: name, remoteNode)
                }
            case "aliases":
                if isNull(value) { continue }
                guard let aliases = value.mapping else {
                    throw ParseError("aliases: expected a mapping", line: value.mark?.line)
                }
                for (k, v) in aliases {
                    guard let alias = k.scalar?.string else {
                        throw ParseError("aliases: an alias name must be a string", line: k.mark?.line)
                    }
                    if let target = try optionalString(v, "aliases.\(alias)") { config.aliases[alias] = target }
                }
            default:
                continue
            }
        }
        return config
    }

    /// Parses config.yml and returns the normalized JSON text (`LXCConfig.json`, compact).
    public static func normalizedJSON(_ text: String) throws(ParseError) -> String {
        try parse(text).json.serialized()
    }

    static func parseRemote(name: String, _ node: Node) throws(ParseError) -> Remote {
        let field = "remotes.\(name)"
        guard let m = node.mapping else {
            throw ParseError("\(field): expected a mapping", line: node.mark?.line)
        }
        var remote = Remote(name: name, addr: "")
        for (keyNode, value) in m {
            guard let key = keyNode.scalar?.string else { continue }
            switch key {
            case "addr":
                remote.addr = try optionalString(value, "\(field).addr") ?? ""
            case "protocol":
                if let p = try optionalString(value, "\(field).protocol"), !p.isEmpty {
                    remote.protocol = RemoteProtocol(rawValue: p)
                }
            case "auth_type":
                if let a = try optionalString(value, "\(field).auth_type"), !a.isEmpty { remote.authType = a }
            case "project":
                if let p = try optionalString(value, "\(field).project"), !p.isEmpty { remote.project = p }
            case "public":
                if isNull(value) { continue }
                guard let b = value.scalar.flatMap({ Bool.construct(from: $0) }) else {
                    throw ParseError("\(field).public: expected true or false", line: value.mark?.line)
                }
                remote.isPublic = b
            default:
                continue
            }
        }
        return remote
    }

    /// A scalar as text; nil for null; an error for a mapping or sequence.
    static func optionalString(_ node: Node, _ field: String) throws(ParseError) -> String? {
        if isNull(node) { return nil }
        guard let s = node.scalar else {
            throw ParseError("\(field): expected a string", line: node.mark?.line)
        }
        return s.string
    }

    static func isNull(_ node: Node) -> Bool {
        guard let s = node.scalar else { return false }
        return s.style == .plain && (s.string.isEmpty || s.string == "~" || s.string == "null" || s.string == "Null" || s.string == "NULL")
    }

    static func describe(_ error: YamlError) -> ParseError {
        switch error {
        case .scanner(let context, let problem, let mark, _),
            .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let text = context.map { "\(problem) (\($0.text))" } ?? problem
            return ParseError(text, line: mark.line)
        case .reader(let problem, let offset, _, _):
            return ParseError(offset.map { "\(problem) at byte \($0)" } ?? problem)
        default:
            return ParseError("\(error)")
        }
    }
}
