#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Where `lxattach-config` (the YAML reader) is looked for, in order:
/// 1. `$LXATTACH_CONFIG_READER`, when set (used as given, even if missing: the error says so);
/// 2. `lxattach-config` in the directory of the running executable's real path
///    (`/proc/self/exe`, so a symlink such as `/usr/bin/lxattach → /opt/…/lxattach` finds
///    the one in `/opt/…`);
/// 3. the first executable `lxattach-config` in `$PATH`.
public struct ReaderLocator: Sendable {
    /// The reader's file name.
    public static let name = "lxattach-config"

    /// The environment variables (`LXATTACH_CONFIG_READER`, `PATH`).
    public var variables: [String: String]
    /// The running executable's real path (nil: unknown).
    public var executablePath: String?
    /// Whether a path is an executable file.
    public var isExecutable: @Sendable (String) -> Bool

    /// A locator over these variables and this executable path.
    public init(variables: [String: String], executablePath: String?,
                isExecutable: @escaping @Sendable (String) -> Bool = { access($0, X_OK) == 0 }) {
        self.variables = variables
        self.executablePath = executablePath
        self.isExecutable = isExecutable
    }

    /// The places looked at, in order (for the error when none has it).
    public var candidates: [String] {
        if let v = variables["LXATTACH_CONFIG_READER"], !v.isEmpty { return [v] }
        var list: [String] = []
        if let exe = executablePath { list.append(ConfigPath.join(ConfigPath.dirname(exe), Self.name)) }
        for dir in (variables["PATH"] ?? "").split(separator: ":", omittingEmptySubsequences: true) {
            list.append(ConfigPath.join(String(dir), Self.name))
        }
        return list
    }

    /// The reader to run, or nil when none of the candidates is executable.
    public func locate() -> String? {
        if let v = variables["LXATTACH_CONFIG_READER"], !v.isEmpty { return v }
        return candidates.first(where: isExecutable)
    }

    /// The error when `locate()` found nothing: where we looked and how to fix it.
    public var missingError: ConfigError {
        let beside = executablePath.map { ConfigPath.join(ConfigPath.dirname($0), Self.name) } ?? Self.name
        return .readerMissing(expected: beside)
    }
}
