import COpenSSL
import Synchronization

/// One SSL_CTX per remote: client certificate and key loaded once, trust settings,
/// ALPN `http/1.1`, and a small client session cache (the last session per host) so the
/// several connections of one exec resume instead of doing full handshakes.
///
/// Safe to share between threads. `@unchecked Sendable` because of the OpenSSL pointers;
/// what guards them: `ctx` and `bioMethod` are configured in `init` and only read after
/// (OpenSSL allows `SSL_new` on one `SSL_CTX` from many threads at once), and the session
/// cache, which handshakes on any thread update, is kept under `sessions`' `Mutex`.
public final class TLSContext: @unchecked Sendable {
    public let configuration: TLSClientConfiguration
    /// The pinned certificate, if the configuration names one.
    public let pinnedCertificate: CertificateInfo?

    let ctx: OpaquePointer
    let bioMethod: OpaquePointer
    let pinnedSHA256: [UInt8]?
    private let sessions = Mutex<[String: CachedSession]>([:])
    /// Where the session is kept between processes, and whether this process wrote it yet.
    private let sessionFile: String?
    private let sessionFileWritten = Mutex(false)

    /// Number of sessions currently kept (for tests and diagnostics).
    public var cachedSessionCount: Int { sessions.withLock { $0.count } }

    public init(configuration: TLSClientConfiguration) throws(TransportError) {
        TLSContext.initializeOpenSSL()
        guard let method = TLS_client_method(), let ctx = SSL_CTX_new(method) else {
            throw .tlsConfiguration("SSL_CTX_new: \(takeOpenSSLError() ?? "failed")")
        }
        guard let bioMethod = lxa_sockbio_method_new() else {
            SSL_CTX_free(ctx)
            throw .tlsConfiguration("BIO_meth_new failed")
        }
        // Everything that can throw happens before self is fully initialised; clean up here.
        func fail(_ message: String) -> TransportError {
            SSL_CTX_free(ctx)
            BIO_meth_free(bioMethod)
            return .tlsConfiguration(message)
        }

        let minVersion = configuration.minimumVersion == .tls13 ? TLS1_3_VERSION : TLS1_2_VERSION
        guard lxa_SSL_CTX_set_min_proto_version(ctx, minVersion) == 1 else {
            throw fail("cannot set minimum TLS version")
        }
        _ = lxa_SSL_CTX_set_client_options(ctx)
        _ = lxa_SSL_CTX_set_mode(ctx, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        // Records are read ahead into a buffer of 64 KiB: a 4 KiB websocket frame is one
        // record, so a busy stream brings many per recv(2). `TLSStream.hasBufferedInput`
        // counts what is read ahead but not yet decrypted (SSL_has_pending).
        lxa_SSL_CTX_set_read_ahead(ctx, 1)
        SSL_CTX_set_default_read_buffer_len(ctx, 64 * 1024)

        // ALPN: only http/1.1. LXD advertises h2, which cannot carry a websocket upgrade.
        let alpn: [UInt8] = [8] + Array("http/1.1".utf8)
        guard SSL_CTX_set_alpn_protos(ctx, alpn, UInt32(alpn.count)) == 0 else {
            throw fail("cannot set ALPN")
        }

        // Client identity.
        switch (configuration.clientCertificatePath, configuration.clientKeyPath) {
        case (nil, nil):
            break
        case (let cert?, let key?):
            guard SSL_CTX_use_certificate_chain_file(ctx, cert) == 1 else {
                throw fail("cannot load client certificate \(cert): \(takeOpenSSLError() ?? "unreadable")")
            }
            guard SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1 else {
                let reason = takeOpenSSLError() ?? "unreadable"
                if reason == "key values mismatch" {
                    throw fail("client key \(key) does not match certificate \(cert)")
                }
                throw fail("cannot load client key \(key): \(reason)")
            }
            guard SSL_CTX_check_private_key(ctx) == 1 else {
                throw fail("client key \(key) does not match certificate \(cert)")
            }
        default:
            throw fail("a client certificate needs both a certificate and a key file")
        }

        // Server trust.
        var pinned: CertificateInfo? = nil
        if let pinPath = configuration.pinnedServerCertificatePath {
            do {
                pinned = try CertificateInfo.load(pemPath: pinPath)
            } catch {
                throw fail("cannot read pinned server certificate \(pinPath)")
            }
        } else if let caPath = configuration.trustedCAPath {
            guard SSL_CTX_load_verify_locations(ctx, caPath, nil) == 1 else {
                throw fail("cannot load CA file \(caPath): \(takeOpenSSLError() ?? "unreadable")")
            }
        } else {
            guard SSL_CTX_set_default_verify_paths(ctx) == 1 else {
                throw fail("cannot load the system CA certificates: \(takeOpenSSLError() ?? "failed")")
            }
        }
        // Verification is always on: SSL_VERIFY_PEER aborts the handshake when our
        // certificate callback (pin comparison or X509_verify_cert) refuses.
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nil)

        // Client-side session cache without OpenSSL's internal store: we keep one per host.
        if configuration.sessionResumption {
            _ = lxa_SSL_CTX_set_session_cache_mode(ctx, Int(SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE))
        } else {
            _ = lxa_SSL_CTX_set_session_cache_mode(ctx, Int(SSL_SESS_CACHE_OFF))
        }

        self.ctx = ctx
        self.bioMethod = bioMethod
        self.configuration = configuration
        self.pinnedCertificate = pinned
        self.pinnedSHA256 = pinned.map { sha256($0.der) }
        if configuration.sessionResumption, let directory = configuration.sessionDirectory {
            sessionFile = TLSSessionFile.path(directory: directory, address: configuration.sessionAddress,
                                              configuration: configuration, pin: pinnedSHA256)
        } else {
            sessionFile = nil
        }

        // Callbacks find this object through the SSL_CTX app data (unretained: every
        // TLSStream retains its context, so the context outlives every SSL).
        let me = Unmanaged.passUnretained(self).toOpaque()
        _ = lxa_SSL_CTX_set_app_data(ctx, me)
        SSL_CTX_set_cert_verify_callback(ctx, { store, arg in
            guard let store, let arg else { return 0 }
            return Unmanaged<TLSContext>.fromOpaque(arg).takeUnretainedValue().verifyServerCertificate(store)
        }, me)
        if configuration.sessionResumption {
            SSL_CTX_sess_set_new_cb(ctx, { ssl, session in
                guard let ssl, let session, let ctx = SSL_get_SSL_CTX(ssl),
                      let ctxData = lxa_SSL_CTX_get_app_data(ctx),
                      let sslData = lxa_SSL_get_app_data(ssl) else { return 0 }
                let context = Unmanaged<TLSContext>.fromOpaque(ctxData).takeUnretainedValue()
                let stream = Unmanaged<TLSStream>.fromOpaque(sslData).takeUnretainedValue()
                return context.storeSession(session, for: stream.sessionKey) ? 1 : 0
            })
        }
    }

    deinit {
        sessions.withLock { for (_, s) in $0 { SSL_SESSION_free(s.pointer) } }
        SSL_CTX_free(ctx)
        BIO_meth_free(bioMethod)
    }

    /// Drops all cached sessions (the next connection does a full handshake).
    public func forgetSessions() {
        sessions.withLock { kept in
            for (_, s) in kept { SSL_SESSION_free(s.pointer) }
            kept.removeAll()
        }
    }

    /// Whether a session for `key` is cached (the next handshake resumes it); the first
    /// look for a key reads the session file, if there is one.
    public func hasSession(for key: String) -> Bool {
        if sessions.withLock({ $0[key] != nil }) { return true }
        guard let sessionFile, let loaded = TLSSessionFile.load(sessionFile, key: key) else { return false }
        sessions.withLock { kept in
            if kept[key] == nil { kept[key] = CachedSession(pointer: loaded) } else { SSL_SESSION_free(loaded) }
        }
        return true
    }

    /// A copy of the session to offer for `key`, if any, made under the lock (another
    /// thread may replace and free the cached one); the caller frees it.
    func sessionCopy(for key: String) -> OpaquePointer? {
        guard hasSession(for: key) else { return nil }
        return sessions.withLock { kept in kept[key].flatMap { SSL_SESSION_dup($0.pointer) } }
    }

    /// Takes ownership of `session` when it is resumable; returns whether it was kept.
    func storeSession(_ session: OpaquePointer, for key: String) -> Bool {
        guard SSL_SESSION_is_resumable(session) == 1 else { return false }
        let cached = CachedSession(pointer: session)
        sessions.withLock { kept in
            if let old = kept[key] { SSL_SESSION_free(old.pointer) }
            kept[key] = cached
        }
        if let sessionFile, sessionFileWritten.withLock({ written in defer { written = true }; return !written }) {
            TLSSessionFile.save(session, key: key, to: sessionFile)
        }
        return true
    }

    func dropSession(for key: String) {
        sessions.withLock { kept in
            if let old = kept.removeValue(forKey: key) { SSL_SESSION_free(old.pointer) }
        }
    }

    /// The certificate verification of every handshake (SSL_CTX_set_cert_verify_callback).
    /// Records the server leaf on the stream for error messages, then either compares it
    /// with the pin or runs OpenSSL's normal chain + host name verification.
    func verifyServerCertificate(_ store: OpaquePointer) -> Int32 {
        let leaf = X509_STORE_CTX_get0_cert(store)
        if let ssl = lxa_ssl_from_store_ctx(store), let data = lxa_SSL_get_app_data(ssl), let leaf {
            Unmanaged<TLSStream>.fromOpaque(data).takeUnretainedValue().recordServerLeaf(leaf)
        }
        if let pin = pinnedSHA256 {
            guard let leaf, let digest = certificateSHA256(leaf), digest == pin else {
                X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED)
                return 0
            }
            X509_STORE_CTX_set_error(store, X509_V_OK)
            return 1
        }
        return X509_verify_cert(store) == 1 ? 1 : 0
    }

    /// OpenSSL 3 initialises itself lazily; we only ask it not to read openssl.cnf, which
    /// keeps start-up cheap and the behaviour independent of the machine's config.
    private static func initializeOpenSSL() {
        _ = OPENSSL_init_ssl(UInt64(OPENSSL_INIT_NO_LOAD_CONFIG), nil)
    }
}

/// An `SSL_SESSION` owned by a `TLSContext`'s cache. `@unchecked Sendable` (a pointer);
/// what guards it: it is read, copied and freed only under the cache's `Mutex`.
struct CachedSession: @unchecked Sendable {
    let pointer: OpaquePointer
}
