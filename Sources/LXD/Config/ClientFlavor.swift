#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Which client we stand in for: LXD's `lxc` or Incus's `incus`. They share the API and the
/// config.yml format but not the directories, sockets, variables or built-in remotes.
///
/// How the flavor is chosen (`ClientFlavor.select`), first match wins:
/// 1. the CLI's explicit choice (`--incus` / `--lxd`, passed as `explicit`);
/// 2. `LXATTACH_FLAVOR=incus|lxd` in the environment;
/// 3. an executable named `incattach` (a symlink) means Incus;
/// 4. otherwise LXD.
public enum ClientFlavor: String, Equatable, Hashable, Sendable, CaseIterable {
    /// LXD: `lxc`'s directories, socket and variables.
    case lxd
    /// Incus: `incus`'s directories, socket and variables.
    case incus

    /// The flavor to use, by the rules above; an invalid `LXATTACH_FLAVOR` throws.
    public static func select(
        explicit: ClientFlavor? = nil, environment: [String: String], executableName: String? = nil
    ) throws(ConfigError) -> ClientFlavor {
        if let explicit { return explicit }
        if let raw = environment["LXATTACH_FLAVOR"], !raw.isEmpty {
            guard let f = ClientFlavor(rawValue: raw.lowercased()) else {
                throw ConfigError.unknownFlavor(raw)
            }
            return f
        }
        if let name = executableName, ConfigPath.basename(name) == "incattach" { return .incus }
        return .lxd
    }

    /// The environment variables this layer consults (so a caller can snapshot just these).
    public static let environmentVariables = [
        "HOME", "PATH", "XDG_CACHE_HOME", "LXATTACH_FLAVOR", "LXATTACH_CONFIG_READER",
        "LXD_CONF", "LXD_DIR", "LXD_SOCKET", "LXC_REMOTE",
        "INCUS_CONF", "INCUS_DIR", "INCUS_SOCKET", "INCUS_REMOTE",
    ]

    /// Variable naming the config directory (`LXD_CONF` / `INCUS_CONF`).
    public var configDirectoryVariable: String { self == .lxd ? "LXD_CONF" : "INCUS_CONF" }
    /// Variable naming the local socket (`LXD_SOCKET` / `INCUS_SOCKET`).
    public var socketVariable: String { self == .lxd ? "LXD_SOCKET" : "INCUS_SOCKET" }
    /// Variable naming the daemon directory (`LXD_DIR` / `INCUS_DIR`).
    public var daemonDirectoryVariable: String { self == .lxd ? "LXD_DIR" : "INCUS_DIR" }
    /// Variable overriding the default remote (`LXC_REMOTE` / `INCUS_REMOTE`).
    public var defaultRemoteVariable: String { self == .lxd ? "LXC_REMOTE" : "INCUS_REMOTE" }

    /// Remotes that always exist and that config.yml cannot change except for their
    /// `project` (lxc's "static" remotes).
    public var staticRemotes: [Remote] {
        switch self {
        case .lxd:
            return [
                Remote(name: "local", addr: "unix://", protocol: .lxd, isPublic: false),
                Remote(
                    name: "ubuntu", addr: "https://cloud-images.ubuntu.com/releases",
                    protocol: .simplestreams, isPublic: true),
                Remote(
                    name: "ubuntu-daily", addr: "https://cloud-images.ubuntu.com/daily",
                    protocol: .simplestreams, isPublic: true),
            ]
        case .incus:
            return [Remote(name: "local", addr: "unix://", protocol: .incus, isPublic: false)]
        }
    }

    /// Remotes present only when there is no config.yml (lxc's "default" remotes; `lxc`
    /// writes them to the file when it first saves one).
    public var defaultRemotes: [Remote] {
        [
            Remote(
                name: "images", addr: "https://images.linuxcontainers.org",
                protocol: .simplestreams, isPublic: true)
        ]
    }
}

/// The process environment as this layer sees it: a flavor, a variables dictionary and a
/// file-existence test. Everything that depends on it is a pure function of these, so tests
/// pass fake environments; `ClientEnvironment.current` reads the real one.
public struct ClientEnvironment: Sendable {
    /// LXD or Incus.
    public var flavor: ClientFlavor
    /// The environment variables.
    public var variables: [String: String]
    /// Whether a file exists at a path.
    public var fileExists: @Sendable (String) -> Bool

    /// An environment with these parts (tests pass fakes).
    public init(
        flavor: ClientFlavor, variables: [String: String],
        fileExists: @escaping @Sendable (String) -> Bool
    ) {
        self.flavor = flavor
        self.variables = variables
        self.fileExists = fileExists
    }

    /// The real environment (the variables in `ClientFlavor.environmentVariables`) and
    /// file system.
    public static func current(flavor: ClientFlavor) -> ClientEnvironment {
        ClientEnvironment(
            flavor: flavor, variables: currentVariables(), fileExists: { ConfigPath.exists($0) })
    }

    /// The variables in `ClientFlavor.environmentVariables` that are set in this process.
    public static func currentVariables() -> [String: String] {
        var vars: [String: String] = [:]
        for name in ClientFlavor.environmentVariables {
            if let v = getenv(name) { vars[name] = String(cString: v) }
        }
        return vars
    }

    func variable(_ name: String) -> String? {
        guard let v = variables[name], !v.isEmpty else { return nil }
        return v
    }

    /// The client config directory, or nil when it cannot be known (no `HOME`).
    ///
    /// LXD: `$LXD_CONF`; else `$HOME/.config/lxc` if it exists; else the snap's
    /// `$HOME/snap/lxd/common/config` if that exists; else `$HOME/.config/lxc`.
    /// Incus: `$INCUS_CONF`; else `$HOME/.config/incus`.
    public var configDirectory: String? {
        if let dir = variable(flavor.configDirectoryVariable) { return dir }
        guard let home = variable("HOME") else { return nil }
        switch flavor {
        case .lxd:
            let plain = ConfigPath.join(home, ".config/lxc")
            if fileExists(plain) { return plain }
            let snap = ConfigPath.join(home, "snap/lxd/common/config")
            if fileExists(snap) { return snap }
            return plain
        case .incus:
            return ConfigPath.join(home, ".config/incus")
        }
    }

    /// config.yml in the config directory.
    public var configFilePath: String? { configDirectory.map { ConfigPath.join($0, "config.yml") } }

    /// The local daemon's unix socket (the `unix://` address).
    ///
    /// LXD: `$LXD_SOCKET`; else `$LXD_DIR/unix.socket`; else the snap's
    /// `/var/snap/lxd/common/lxd/unix.socket` if it exists; else `/var/lib/lxd/unix.socket`.
    /// Incus: `$INCUS_SOCKET`; else `$INCUS_DIR/unix.socket`; else `/run/incus/unix.socket` if
    /// it exists; else `/var/lib/incus/unix.socket`.
    public var localSocketPath: String {
        if let s = variable(flavor.socketVariable) { return s }
        if let dir = variable(flavor.daemonDirectoryVariable) { return ConfigPath.join(dir, "unix.socket") }
        let (preferred, fallback) =
            flavor == .lxd
            ? ("/var/snap/lxd/common/lxd/unix.socket", "/var/lib/lxd/unix.socket")
            : ("/run/incus/unix.socket", "/var/lib/incus/unix.socket")
        return fileExists(preferred) ? preferred : fallback
    }

    /// Where parsed configs are cached: `$XDG_CACHE_HOME/lxattach`, else
    /// `$HOME/.cache/lxattach`; nil without either.
    public var cacheDirectory: String? {
        if let x = variable("XDG_CACHE_HOME") { return ConfigPath.join(x, "lxattach") }
        if let home = variable("HOME") { return ConfigPath.join(home, ".cache/lxattach") }
        return nil
    }
}

/// Small path helpers for this layer (no Foundation).
enum ConfigPath {
    /// `a/b` without doubling the slash.
    static func join(_ dir: String, _ name: String) -> String {
        dir.hasSuffix("/") ? dir + name : dir + "/" + name
    }

    static func basename(_ path: String) -> Substring {
        if let slash = path.lastIndex(of: "/") { return path[path.index(after: slash)...] }
        return path[...]
    }

    static func dirname(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func exists(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0
    }
}
