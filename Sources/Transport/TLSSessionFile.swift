#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import COpenSSL

/// The last TLS session of a remote, kept in a file between runs, so that a new process
/// resumes it: every connection of its first exec then skips the server's signature and
/// the certificate's verification (and a fan-out's first sessions do not each pay a full
/// handshake). The file holds the session as OpenSSL serializes it (DER), after one line
/// naming the cache key; mode 0600, written atomically once per process.
///
/// A session binds to the server that issued it (only that server can resume it) and to
/// the verification that accepted it then: the file's name hashes the address, the
/// client certificate and the pinned certificate's fingerprint, so a changed pin or
/// identity never resumes an old session. An unreadable, foreign or expired file is
/// ignored (a full handshake, as without it).
enum TLSSessionFile {
    /// `directory/tls-<hash>.session` for a context of `configuration` to `address`.
    static func path(directory: String, address: String, configuration: TLSClientConfiguration, pin: [UInt8]?) -> String {
        var hash = FNV1a64()
        // Each field ends with 0xff (never in UTF-8), so ("ab", "c") and ("a", "bc") differ.
        for field in [address, configuration.clientCertificatePath ?? "", configuration.serverName ?? "",
                      pin.map { $0.map { String($0, radix: 16) }.joined() } ?? ""] {
            hash.mix(field.utf8)
            hash.mix(0xff)
        }
        return directory + "/tls-" + hash.hex + ".session"
    }

    /// The session in `path` for `key`, if it is there, ours and still resumable.
    static func load(_ path: String, key: String) -> OpaquePointer? {
        guard case .bytes(let bytes) = LocalIO.readFile(path, limit: 64 * 1024),
              let newline = bytes.firstIndex(of: 10),
              String(decoding: bytes[..<newline], as: UTF8.self) == key else { return nil }
        let der = Array(bytes[(newline + 1)...])
        let session: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var p: UnsafePointer<UInt8>? = buffer.baseAddress
            return d2i_SSL_SESSION(nil, &p, buffer.count)
        }
        guard let session else { return nil }
        let expires = Int64(SSL_SESSION_get_time(session)) + Int64(SSL_SESSION_get_timeout(session))
        guard SSL_SESSION_is_resumable(session) == 1, expires > Int64(time(nil)) else {
            SSL_SESSION_free(session)
            return nil
        }
        return session
    }

    /// Writes `session` for `key` to `path` (best effort: a cache that cannot be
    /// written only costs the next process a full handshake).
    static func save(_ session: OpaquePointer, key: String, to path: String) {
        let length = i2d_SSL_SESSION(session, nil)
        guard length > 0 else { return }
        var der = [UInt8](repeating: 0, count: Int(length))
        let written = der.withUnsafeMutableBufferPointer { buffer -> Int32 in
            var p: UnsafeMutablePointer<UInt8>? = buffer.baseAddress
            return i2d_SSL_SESSION(session, &p)
        }
        guard written == length else { return }
        let bytes = Array(key.utf8) + [10] + der
        let slash = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        _ = mkdir(slash, 0o700)
        let temp = "\(path).\(getpid()).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        let ok = bytes.withUnsafeBytes { LocalIO.writeAll(fd, $0, interrupted: { true }) } == .written
        close(fd)
        if !ok || rename(temp, path) != 0 { unlink(temp) }
    }
}
