/// Errors from the client configuration layer: reading config.yml, resolving remotes and
/// `remote:instance` references.
public enum ConfigError: Error, Equatable, Sendable, CustomStringConvertible {
    /// config.yml exists but could not be read or parsed (`reason` comes from the OS or the
    /// YAML reader, e.g. `line 3: mapping values are not allowed in this context`).
    case cannotRead(path: String, reason: String)
    /// The config reader executable could not be run, timed out or printed nonsense.
    case readerFailed(path: String, reason: String)
    /// No `lxattach-config` next to the running executable nor in `$PATH` (`expected`: where
    /// it belongs).
    case readerMissing(expected: String)
    /// `LXATTACH_FLAVOR` (or the caller's choice) names no known client flavor.
    case unknownFlavor(String)
    /// A `remote:` prefix or remote name that is not in the configuration.
    case unknownRemote(String)
    /// An instance reference that cannot name an instance (empty, contains `/`...).
    case invalidInstanceName(String, reason: String)
    /// A remote whose `addr` cannot be used (bad scheme, empty host, bad port).
    case invalidRemoteAddress(remote: String, addr: String, reason: String)
    /// A remote that does not speak the LXD API (simplestreams image servers).
    case unsupportedProtocol(remote: String, protocol: String)

    public var description: String {
        switch self {
        case .cannotRead(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .readerFailed(let path, let reason):
            return "cannot load the client configuration with \(path): \(reason)"
        case .readerMissing(let expected):
            return "cannot read the client configuration: \(ReaderLocator.name) (the config.yml reader) "
                + "is not installed: expected \(expected), or in PATH; install it beside lxattach "
                + "(Scripts/install does) or set LXATTACH_CONFIG_READER to its path"
        case .unknownFlavor(let s):
            return "unknown client flavor \"\(s)\" (expected lxd or incus)"
        case .unknownRemote(let name):
            return "The remote \"\(name)\" doesn't exist"
        case .invalidInstanceName(let name, let reason):
            return "invalid instance name \"\(name)\": \(reason)"
        case .invalidRemoteAddress(let remote, let addr, let reason):
            return "remote \"\(remote)\" has an unusable address \"\(addr)\": \(reason)"
        case .unsupportedProtocol(let remote, let proto):
            return "remote \"\(remote)\" is a \(proto) image server, not an instance server"
        }
    }
}
