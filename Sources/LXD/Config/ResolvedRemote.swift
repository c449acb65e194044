/// Where and how to reach a remote: the transport endpoint, the project, and the TLS files.
public struct ResolvedRemote: Equatable, Sendable {
    /// How the daemon is reached.
    public enum Endpoint: Equatable, Hashable, Sendable {
        /// The daemon's unix socket.
        case unix(path: String)
        /// HTTPS (TLS 1.3) to `host:port`. `host` has no brackets (`::1`). `serverName` is the
        /// DNS name to send as SNI and verify, nil for IP literals; when a pinned certificate
        /// exists lxc verifies against the pinned certificate's first DNS SAN instead (the TLS
        /// layer reads it from `pinnedServerCertificatePath`).
        case https(host: String, port: Int, serverName: String?)
    }

    /// The remote's name in the config.
    public var name: String
    /// The unix socket or HTTPS address.
    public var endpoint: Endpoint
    /// The API it speaks.
    public var `protocol`: RemoteProtocol
    /// The remote's `project:`; nil when none is configured. A value other than `default`
    /// goes on every request as `?project=`.
    public var project: String?
    /// `client.crt` / `client.key` in the config directory (nil when there is no config
    /// directory); whether they exist is for the TLS layer to find out.
    public var clientCertificatePath: String?
    /// See `clientCertificatePath`.
    public var clientKeyPath: String?
    /// `client.ca`, only if it exists: it then replaces the system trust roots.
    public var clientCAPath: String?
    /// `servercerts/<remote>.crt`, only if it exists: trusted as a CA for this remote.
    public var pinnedServerCertificatePath: String?

    /// A remote with these settings (tests and programs that build one by hand).
    public init(
        name: String, endpoint: Endpoint, protocol: RemoteProtocol = .lxd, project: String? = nil,
        clientCertificatePath: String? = nil, clientKeyPath: String? = nil,
        clientCAPath: String? = nil, pinnedServerCertificatePath: String? = nil
    ) {
        self.name = name
        self.endpoint = endpoint
        self.protocol = `protocol`
        self.project = project
        self.clientCertificatePath = clientCertificatePath
        self.clientKeyPath = clientKeyPath
        self.clientCAPath = clientCAPath
        self.pinnedServerCertificatePath = pinnedServerCertificatePath
    }
}

/// `remote:instance` split and checked: `c1` (default remote), `local:c1`, `tls:c1`.
public struct InstanceReference: Equatable, Hashable, Sendable {
    /// The remote's name.
    public var remote: String
    /// The instance's name on that remote.
    public var instance: String

    /// `remote:instance`.
    public init(remote: String, instance: String) {
        self.remote = remote
        self.instance = instance
    }
}

extension LXCConfig {
    /// Splits `[remote:]instance` as lxc does: no colon means the default remote; otherwise
    /// the part before the first colon must be a configured remote. The instance name must be
    /// non-empty, without `/` (snapshots cannot run commands) and without whitespace or
    /// control characters.
    public func parseInstanceReference(_ raw: String) throws(ConfigError) -> InstanceReference {
        let remote: String
        let instance: String
        if let colon = raw.firstIndex(of: ":") {
            remote = String(raw[..<colon])
            instance = String(raw[raw.index(after: colon)...])
            guard self[remote: remote] != nil else { throw ConfigError.unknownRemote(remote) }
        } else {
            remote = defaultRemote
            instance = raw
        }
        if instance.isEmpty {
            throw ConfigError.invalidInstanceName(raw, reason: "an instance name is required")
        }
        if instance.contains("/") {
            throw ConfigError.invalidInstanceName(raw, reason: "instance names cannot contain \"/\"")
        }
        if instance.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) {
            throw ConfigError.invalidInstanceName(
                raw, reason: "instance names cannot contain spaces or control characters")
        }
        return InstanceReference(remote: remote, instance: instance)
    }

    /// A remote-only argument: `tls:` or `tls` (a configured remote), or `""` for the default.
    public func parseRemoteReference(_ raw: String) throws(ConfigError) -> String {
        if raw.isEmpty { return defaultRemote }
        var name = Substring(raw)
        if name.last == ":" { name = name.dropLast() }
        if name.isEmpty || name.contains(":") {
            throw ConfigError.unknownRemote(String(name))
        }
        guard self[remote: String(name)] != nil else { throw ConfigError.unknownRemote(String(name)) }
        return String(name)
    }

    /// Resolves the remote `name` to an endpoint and TLS files.
    ///
    /// With `requireInstanceServer` (what exec needs) a remote whose protocol is not lxd/incus
    /// (a simplestreams image server) is refused. Incus comma-separated address lists use
    /// their first address.
    public func resolve(
        remote name: String, in env: ClientEnvironment, requireInstanceServer: Bool = true
    ) throws(ConfigError) -> ResolvedRemote {
        guard let remote = self[remote: name] else { throw ConfigError.unknownRemote(name) }
        if requireInstanceServer && !remote.protocol.servesInstances {
            throw ConfigError.unsupportedProtocol(remote: name, protocol: remote.protocol.rawValue)
        }
        let endpoint = try ResolvedRemote.parseAddress(remote.addr, remote: name, env: env)
        var resolved = ResolvedRemote(
            name: name, endpoint: endpoint, protocol: remote.protocol,
            project: remote.project.flatMap { $0.isEmpty ? nil : $0 })
        if case .https = endpoint, let dir = env.configDirectory {
            resolved.clientCertificatePath = ConfigPath.join(dir, "client.crt")
            resolved.clientKeyPath = ConfigPath.join(dir, "client.key")
            let ca = ConfigPath.join(dir, "client.ca")
            if env.fileExists(ca) { resolved.clientCAPath = ca }
            let pinned = ConfigPath.join(dir, "servercerts/\(name).crt")
            if env.fileExists(pinned) { resolved.pinnedServerCertificatePath = pinned }
        }
        return resolved
    }
}

extension ResolvedRemote {
    /// The default HTTPS port (`lxc remote add` appends it when absent).
    public static let defaultPort = 8443

    /// Parses `unix://`, `unix:///path`, `https://host[:port][/]`, `https://[v6][:port]`.
    static func parseAddress(_ addr: String, remote: String, env: ClientEnvironment) throws(ConfigError)
        -> Endpoint
    {
        func bad(_ why: String) -> ConfigError {
            .invalidRemoteAddress(remote: remote, addr: addr, reason: why)
        }
        var a = Substring(addr)
        if let comma = a.firstIndex(of: ",") { a = a[..<comma] }  // Incus address lists
        a = a.drop(while: { $0 == " " })
        if a.hasPrefix("unix:") {
            var rest = a.dropFirst(5)
            if rest.hasPrefix("//") { rest = rest.dropFirst(2) }
            if rest.isEmpty { return .unix(path: env.localSocketPath) }
            guard rest.hasPrefix("/") else { throw bad("a unix socket path must be absolute") }
            return .unix(path: String(rest))
        }
        guard a.hasPrefix("https://") else { throw bad("expected unix:// or https://") }
        var hostPort = a.dropFirst(8)
        if let slash = hostPort.firstIndex(of: "/") { hostPort = hostPort[..<slash] }
        let host: Substring
        var portText: Substring?
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw bad("unclosed '['") }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            let after = hostPort[hostPort.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw bad("unexpected text after ']'") }
                portText = after.dropFirst()
            }
        } else if let colon = hostPort.firstIndex(of: ":") {
            host = hostPort[..<colon]
            portText = hostPort[hostPort.index(after: colon)...]
            if host.contains(":") || portText!.contains(":") {
                throw bad("IPv6 addresses need brackets")
            }
        } else {
            host = hostPort
        }
        guard !host.isEmpty else { throw bad("empty host") }
        var port = defaultPort
        if let portText {
            guard let p = Int(portText), (1...65535).contains(p) else { throw bad("invalid port") }
            port = p
        }
        let isIPLiteral =
            host.contains(":") || host.allSatisfy { $0 == "." || ("0"..."9").contains($0) }
        return .https(host: String(host), port: port, serverName: isIPLiteral ? nil : String(host))
    }
}
