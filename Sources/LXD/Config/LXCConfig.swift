import JSON

/// The API a remote speaks (`protocol:` in config.yml). Open-ended: unknown values are kept.
public struct RemoteProtocol: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// LXD's REST API (the default when `protocol:` is absent).
    public static let lxd = RemoteProtocol(rawValue: "lxd")
    /// A read-only image server.
    public static let simplestreams = RemoteProtocol(rawValue: "simplestreams")
    /// Incus's REST API (same shape as LXD's).
    public static let incus = RemoteProtocol(rawValue: "incus")

    /// Whether instances can be reached through it (lxd or incus).
    public var servesInstances: Bool { self == .lxd || self == .incus }

    public var description: String { rawValue }
}

/// One entry of `remotes:` in config.yml.
public struct Remote: Equatable, Hashable, Sendable {
    /// The remote's name (`local`, `tls`, …).
    public var name: String
    /// `unix://`, `unix:///path`, `https://host[:port]` (Incus: possibly a comma-separated list).
    public var addr: String
    /// The API it speaks (`protocol:`).
    public var `protocol`: RemoteProtocol
    /// `auth_type:` (`tls`, `candid`, `oidc`); nil when absent (lxc then uses tls).
    public var authType: String?
    /// `project:`; nil when absent or empty.
    public var project: String?
    /// `public:`: no authentication needed.
    public var isPublic: Bool

    /// A remote with these settings.
    public init(
        name: String, addr: String, protocol: RemoteProtocol = .lxd, authType: String? = nil,
        project: String? = nil, isPublic: Bool = false
    ) {
        self.name = name
        self.addr = addr
        self.protocol = `protocol`
        self.authType = authType
        self.project = project
        self.isPublic = isPublic
    }
}

/// The client configuration (`config.yml`): default remote, remotes in file order, aliases.
///
/// A value parsed from a file holds just what the file says (`default-remote` defaulting to
/// `local`); `withBuiltinRemotes(flavor:fileExisted:)` adds the remotes lxc always has.
public struct LXCConfig: Equatable, Sendable {
    /// `default-remote:` (`local` when absent).
    public var defaultRemote: String
    /// Remotes in order; names are unique.
    public var remotes: [Remote]
    /// `aliases:` (kept for completeness; lxattach does not expand them).
    public var aliases: [String: String]

    /// A configuration with these remotes.
    public init(defaultRemote: String = "local", remotes: [Remote] = [], aliases: [String: String] = [:]) {
        self.defaultRemote = defaultRemote.isEmpty ? "local" : defaultRemote
        self.remotes = []
        self.aliases = aliases
        for r in remotes { self[remote: r.name] = r }
    }

    /// The configuration lxc uses when there is no config.yml.
    public static func defaults(flavor: ClientFlavor) -> LXCConfig {
        LXCConfig().withBuiltinRemotes(flavor: flavor, fileExisted: false)
    }

    /// The remote called `name`; setting replaces it in place or appends it, nil removes it.
    public subscript(remote name: String) -> Remote? {
        get { remotes.first { $0.name == name } }
        set {
            let i = remotes.firstIndex { $0.name == name }
            switch (i, newValue) {
            case (let i?, var r?):
                r.name = name
                remotes[i] = r
            case (nil, var r?):
                r.name = name
                remotes.append(r)
            case (let i?, nil): remotes.remove(at: i)
            case (nil, nil): break
            }
        }
    }

    /// Adds lxc's built-in remotes, as lxc's LoadConfig does: the static remotes (`local`,
    /// and for LXD `ubuntu`, `ubuntu-daily`) always, replacing a file entry of the same name
    /// except for its `project`; the default remotes (`images`) only when there was no file.
    public func withBuiltinRemotes(flavor: ClientFlavor, fileExisted: Bool) -> LXCConfig {
        var c = self
        if !fileExisted {
            for r in flavor.defaultRemotes where c[remote: r.name] == nil { c[remote: r.name] = r }
        }
        for var r in flavor.staticRemotes {
            r.project = c[remote: r.name]?.project
            c[remote: r.name] = r
        }
        return c
    }

    /// Applies `$LXC_REMOTE` / `$INCUS_REMOTE`, which override `default-remote`.
    public func applyingEnvironment(_ env: ClientEnvironment) -> LXCConfig {
        var c = self
        if let r = env.variable(env.flavor.defaultRemoteVariable) { c.defaultRemote = r }
        return c
    }
}

// MARK: - Normalized JSON (the cache and lxattach-config's output)

extension LXCConfig {
    /// Version of the JSON shape below; part of the cache key.
    public static let jsonFormatVersion = 1

    /// `{"format":1,"default-remote":"local","remotes":{"name":{"addr":…,"protocol":…,
    /// "auth_type":…,"project":…,"public":…},…},"aliases":{…}}`: remotes in order, aliases
    /// sorted, absent optional fields omitted.
    public var json: JSONValue {
        var remotesObject = JSONObject(minimumCapacity: remotes.count)
        for r in remotes {
            var o: JSONObject = ["addr": .string(r.addr), "protocol": .string(r.protocol.rawValue)]
            if let a = r.authType { o["auth_type"] = .string(a) }
            if let p = r.project { o["project"] = .string(p) }
            o["public"] = .bool(r.isPublic)
            remotesObject[r.name] = .object(o)
        }
        var aliasesObject = JSONObject(minimumCapacity: aliases.count)
        for (k, v) in aliases.sorted(by: { $0.key < $1.key }) { aliasesObject[k] = .string(v) }
        return [
            "format": .number(.int(Int64(LXCConfig.jsonFormatVersion))),
            "default-remote": .string(defaultRemote),
            "remotes": .object(remotesObject),
            "aliases": .object(aliasesObject),
        ]
    }

    /// Reads the normalized JSON; nil if it is not that shape (or another format version).
    public init?(json: JSONValue) {
        guard json["format"]?.intValue == LXCConfig.jsonFormatVersion,
            let def = json["default-remote"]?.stringValue,
            let remotesObject = json["remotes"]?.objectValue,
            let aliasesObject = json["aliases"]?.objectValue
        else { return nil }
        var remotes: [Remote] = []
        for (name, v) in remotesObject {
            guard let addr = v["addr"]?.stringValue, let proto = v["protocol"]?.stringValue,
                let isPublic = v["public"]?.boolValue
            else { return nil }
            remotes.append(
                Remote(
                    name: name, addr: addr, protocol: RemoteProtocol(rawValue: proto),
                    authType: v["auth_type"]?.stringValue, project: v["project"]?.stringValue,
                    isPublic: isPublic))
        }
        var aliases: [String: String] = [:]
        for (k, v) in aliasesObject {
            guard let s = v.stringValue else { return nil }
            aliases[k] = s
        }
        self.init(defaultRemote: def, remotes: remotes, aliases: aliases)
    }
}
