#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A private key other users can read is a leaked key. ssh refuses such a key; lxc uses
/// it silently. We warn, naming the file and the fix, and still use it, so lxc users are
/// never locked out.
public enum KeyFilePermissions: Sendable {
    /// The permission bits of `path` when its group or others have any access to it; nil
    /// when only the owner has, or when it cannot be examined (then loading it reports).
    public static func exposedMode(of path: String) -> UInt32? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        let mode = UInt32(st.st_mode) & 0o7777
        return mode & 0o077 != 0 ? mode : nil
    }

    /// The one-line warning for `path`, or nil when its permissions are fine.
    public static func warning(forKeyAt path: String) -> String? {
        guard let mode = exposedMode(of: path) else { return nil }
        var octal = String(mode, radix: 8)
        while octal.count < 4 { octal = "0" + octal }
        return "Warning: the client key \(path) can be read by other users (mode \(octal)); "
            + "using it anyway. Fix: chmod 600 \(path)"
    }
}
