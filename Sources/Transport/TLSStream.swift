#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import COpenSSL

/// TLS over a non-blocking socket. `read`/`write` map SSL_ERROR_WANT_READ/WRITE to
/// `.wouldBlock`; `hasBufferedInput` is SSL_pending or, until a read needs the socket,
/// SSL_has_pending (records read ahead, not yet decrypted). Writes go through a
/// MSG_NOSIGNAL BIO.
public final class TLSStream: ByteStream {
    public let context: TLSContext
    /// The underlying socket (owned).
    public let socket: SocketStream
    /// Name verified against the certificate (and sent as SNI unless an IP address).
    public let serverName: String
    /// Key of the session cache entry ("name@host:port").
    let sessionKey: String

    private var ssl: OpaquePointer?
    private var handshakeDone = false
    private var closeNotifySent = false
    private var recordedLeaf: OpaquePointer?
    /// The last read wanted more bytes from the socket than OpenSSL had read ahead.
    private var readNeedsSocket = false

    public var fileDescriptor: Int32 { socket.fileDescriptor }

    /// Connects TCP to `host:port` and completes the TLS handshake before `deadline`.
    /// The certificate is verified for `context.configuration.serverName ?? host`.
    public static func connect(host: String, port: UInt16, context: TLSContext, deadline: Deadline) throws(TransportError) -> TLSStream {
        let tcp = try TCPStream.connect(host: host, port: port, deadline: deadline)
        let stream = try client(over: tcp, host: host, port: port, context: context)
        try stream.handshake(deadline: deadline)
        return stream
    }

    /// The key under which `context` caches the session of `host:port`.
    public static func sessionKey(host: String, port: UInt16, context: TLSContext) -> String {
        let name = context.configuration.serverName ?? stripBrackets(host)
        return "\(name)@\(TCPStream.describe(stripBrackets(host), port))"
    }

    /// A TLS client over `tcp` (connected to `host:port`), its handshake not started:
    /// the caller drives `continueHandshake()` from its own poll loop. Verifies and offers
    /// the cached session as `connect` does.
    public static func client(over tcp: TCPStream, host: String, port: UInt16, context: TLSContext) throws(TransportError) -> TLSStream {
        let name = context.configuration.serverName ?? stripBrackets(host)
        return try TLSStream(socket: tcp, serverName: name, context: context,
                             sessionKey: sessionKey(host: host, port: port, context: context))
    }

    /// `connect` to addresses looked up before (one name lookup for many connections).
    public static func connect(_ addresses: ResolvedAddresses, context: TLSContext, deadline: Deadline) throws(TransportError) -> TLSStream {
        let tcp = try TCPConnectAttempt(addresses).wait(deadline: deadline)
        let stream = try client(over: tcp, host: addresses.host, port: addresses.port, context: context)
        try stream.handshake(deadline: deadline)
        return stream
    }

    /// Wraps a connected socket; call `handshake(deadline:)` next.
    public init(socket: SocketStream, serverName: String, context: TLSContext, sessionKey: String? = nil) throws(TransportError) {
        self.context = context
        self.socket = socket
        self.serverName = serverName
        self.sessionKey = sessionKey ?? serverName
        ERR_clear_error()
        guard let ssl = SSL_new(context.ctx) else {
            throw .tlsConfiguration("SSL_new: \(takeOpenSSLError() ?? "failed")")
        }
        self.ssl = ssl
        guard let bio = lxa_sockbio_new(context.bioMethod, socket.fileDescriptor) else {
            throw .tlsConfiguration("BIO_new: \(takeOpenSSLError() ?? "failed")")
        }
        SSL_set_bio(ssl, bio, bio)  // the SSL owns the BIO; the BIO does not own the fd
        _ = lxa_SSL_set_app_data(ssl, Unmanaged.passUnretained(self).toOpaque())

        // What to verify: an IP address or a DNS name (and SNI only for names).
        let param = SSL_get0_param(ssl)
        if isIPAddress(serverName) {
            guard X509_VERIFY_PARAM_set1_ip_asc(param, serverName) == 1 else {
                throw .tlsConfiguration("invalid IP address \(serverName)")
            }
        } else {
            guard X509_VERIFY_PARAM_set1_host(param, serverName, 0) == 1,
                  lxa_SSL_set_tlsext_host_name(ssl, serverName) == 1 else {
                throw .tlsConfiguration("invalid server name \(serverName)")
            }
        }
        // Each connection offers its own copy of the cached session: OpenSSL marks the
        // SSL_SESSION a TLS 1.3 resumption used as spent, so with a shared object the
        // handshakes run side by side (an exec's set-up) that had not sent their
        // ClientHello yet when one finished fell back to full handshakes (seen: "×4, 1 resumed").
        if context.configuration.sessionResumption, let copy = context.sessionCopy(for: self.sessionKey) {
            _ = SSL_set_session(ssl, copy)
            SSL_SESSION_free(copy)
        }
    }

    deinit {
        if let ssl { SSL_free(ssl) }
        if let recordedLeaf { X509_free(recordedLeaf) }
    }

    /// Runs the handshake, polling the socket, until done or `deadline`.
    public func handshake(deadline: Deadline) throws(TransportError) {
        while let wanted = try continueHandshake() {
            try waitUntilReady(fileDescriptor, wanted, deadline: deadline, what: "TLS handshake with \(serverName)")
        }
    }

    /// One non-blocking handshake step, for callers that run several handshakes from
    /// their own poll loop: nil when the handshake is complete, else the readiness to
    /// wait for before calling again.
    public func continueHandshake() throws(TransportError) -> ReadinessWanted? {
        guard let ssl else { throw .closed }
        if handshakeDone { return nil }
        ERR_clear_error()
        Glibc.errno = 0
        let r = SSL_connect(ssl)
        if r == 1 { handshakeDone = true; return nil }
        let err = SSL_get_error(ssl, r)
        switch err {
        case SSL_ERROR_WANT_READ: return .read
        case SSL_ERROR_WANT_WRITE: return .write
        default: throw handshakeError(ssl, err)
        }
    }

    private func handshakeError(_ ssl: OpaquePointer, _ err: Int32) -> TransportError {
        let savedErrno = Glibc.errno
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK {
            ERR_clear_error()
            context.dropSession(for: sessionKey)
            let leaf = recordedLeaf.flatMap { CertificateInfo(x509: $0) }
            let detail = String(cString: X509_verify_cert_error_string(verify))
            let reason: CertificateRejection.Reason
            switch Int32(verify) {
            case X509_V_ERR_CERT_REJECTED where context.pinnedCertificate != nil:
                reason = .pinMismatch(pinnedFingerprint: context.pinnedCertificate!.sha256Fingerprint)
            case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN,
                 X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
                 X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, X509_V_ERR_CERT_UNTRUSTED:
                reason = .unknownAuthority(detail: detail)
            case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
                reason = .nameMismatch(expected: serverName)
            case X509_V_ERR_CERT_HAS_EXPIRED, X509_V_ERR_CERT_NOT_YET_VALID:
                reason = .expired(detail: detail)
            default:
                reason = .other(detail: detail)
            }
            return .certificateRejected(CertificateRejection(
                reason: reason, serverFingerprint: leaf?.sha256Fingerprint, serverCertificatePEM: leaf?.pem))
        }
        let message = takeOpenSSLError()
        if err == SSL_ERROR_SYSCALL, message == nil {
            if savedErrno == 0 { return .tlsHandshake("connection closed by \(serverName)") }
            return .tlsHandshake(errnoString(savedErrno))
        }
        return .tlsHandshake(message ?? "error \(err)")
    }

    func recordServerLeaf(_ leaf: OpaquePointer) {
        if let recordedLeaf { X509_free(recordedLeaf) }
        _ = X509_up_ref(leaf)
        recordedLeaf = leaf
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(TransportError) -> IOResult {
        guard let ssl else { throw .closed }
        guard buffer.count > 0, let base = buffer.baseAddress else { return .bytes(0) }
        ERR_clear_error()
        var n = 0
        readNeedsSocket = false
        if SSL_read_ex(ssl, base, buffer.count, &n) == 1 { return .bytes(n) }
        let result = try failure(ssl, SSL_get_error(ssl, 0), operation: "read")
        if result == .wouldBlock(.read) { readNeedsSocket = true }
        return result
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws(TransportError) -> IOResult {
        guard let ssl else { throw .closed }
        guard bytes.count > 0, let base = bytes.baseAddress else { return .bytes(0) }
        ERR_clear_error()
        var n = 0
        if SSL_write_ex(ssl, base, bytes.count, &n) == 1 { return .bytes(n) }
        let result = try failure(ssl, SSL_get_error(ssl, 0), operation: "write")
        if result == .eof { throw .connectionClosed("TLS write") }
        return result
    }

    private func failure(_ ssl: OpaquePointer, _ err: Int32, operation: String) throws(TransportError) -> IOResult {
        switch err {
        case SSL_ERROR_WANT_READ: return .wouldBlock(.read)
        case SSL_ERROR_WANT_WRITE: return .wouldBlock(.write)
        case SSL_ERROR_ZERO_RETURN: return .eof
        case SSL_ERROR_SYSCALL:
            let e = Glibc.errno
            if let message = takeOpenSSLError() { throw .tls(message) }
            if e == 0 { return .eof }
            throw .system(operation: operation, errno: e)
        default:
            throw .tls(takeOpenSSLError() ?? "\(operation) failed (SSL error \(err))")
        }
    }

    public var hasBufferedInput: Bool {
        guard let ssl else { return false }
        // Decrypted bytes, or records read ahead and not decrypted yet. After a read
        // found only part of a record (WANT_READ), the rest comes through the socket:
        // poll, do not spin on SSL_has_pending.
        return SSL_pending(ssl) > 0 || (!readNeedsSocket && SSL_has_pending(ssl) == 1)
    }

    /// Sends close_notify (once, best effort, non-blocking). The peer may keep sending.
    public func shutdownWrite() {
        guard let ssl, handshakeDone, !closeNotifySent else { return }
        closeNotifySent = true
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    /// close_notify (best effort), then frees the SSL and closes the socket.
    public func close() {
        shutdownWrite()
        if let ssl { SSL_free(ssl) }
        ssl = nil
        socket.close()
    }

    // MARK: - Information

    /// The server's leaf certificate (fingerprint, PEM, DER); after a resumed handshake
    /// too. Nil before the handshake.
    public var serverCertificate: CertificateInfo? {
        guard let ssl, let cert = SSL_get0_peer_certificate(ssl) else { return nil }
        return CertificateInfo(x509: cert)
    }

    /// The ALPN protocol the server selected ("http/1.1"), or nil.
    public var negotiatedALPN: String? {
        guard let ssl else { return nil }
        var data: UnsafePointer<UInt8>? = nil
        var len: UInt32 = 0
        SSL_get0_alpn_selected(ssl, &data, &len)
        guard let data, len > 0 else { return nil }
        return String(decoding: UnsafeBufferPointer(start: data, count: Int(len)), as: UTF8.self)
    }

    /// "TLSv1.3", "TLSv1.2", ...
    public var protocolVersion: String? {
        guard let ssl, let v = SSL_get_version(ssl) else { return nil }
        return String(cString: v)
    }

    /// Whether the handshake resumed a cached session.
    public var sessionWasReused: Bool {
        guard let ssl else { return false }
        return SSL_session_reused(ssl) == 1
    }
}

/// True for an IPv4 or IPv6 literal.
func isIPAddress(_ s: String) -> Bool {
    var buf = in6_addr()
    return inet_pton(AF_INET, s, &buf) == 1 || inet_pton(AF_INET6, s, &buf) == 1
}
