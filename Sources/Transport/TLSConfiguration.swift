/// The lowest TLS version a client accepts.
public enum TLSVersion: Sendable, Equatable {
    case tls12
    case tls13
}

/// What a TLS client needs to talk to one LXD remote. Built once per remote and turned
/// into a `TLSContext`.
public struct TLSClientConfiguration: Sendable, Equatable {
    /// Client certificate (PEM, may hold a chain) and its private key (PEM). Both or neither.
    public var clientCertificatePath: String?
    public var clientKeyPath: String?
    /// The server certificate to pin (lxc's `servercerts/<remote>.crt`). When set, the
    /// server is accepted exactly when its leaf certificate equals this one (SHA-256 of
    /// the DER), whatever its name, issuer or dates.
    public var pinnedServerCertificatePath: String?
    /// CA bundle (PEM) that replaces the system roots when no pin is set (lxc's
    /// `client.ca`). Nil: the system default roots.
    public var trustedCAPath: String?
    /// Name to verify (and send as SNI when it is not an IP address). Nil: the host dialed.
    public var serverName: String?
    public var minimumVersion: TLSVersion
    /// Keep the last TLS session per host and resume it on the next connection.
    public var sessionResumption: Bool
    /// Keep the last session in this folder between processes (`TLSSessionFile`), under a
    /// name made of `sessionAddress`, the identity and the pin. Nil: in memory only.
    public var sessionDirectory: String?
    /// The remote's address, as it names the session file ("https://host:port").
    public var sessionAddress = ""

    /// A configuration; what is not given is off (no identity, no pin, system roots).
    public init(clientCertificatePath: String? = nil,
                clientKeyPath: String? = nil,
                pinnedServerCertificatePath: String? = nil,
                trustedCAPath: String? = nil,
                serverName: String? = nil,
                minimumVersion: TLSVersion = .tls12,
                sessionResumption: Bool = true) {
        self.clientCertificatePath = clientCertificatePath
        self.clientKeyPath = clientKeyPath
        self.pinnedServerCertificatePath = pinnedServerCertificatePath
        self.trustedCAPath = trustedCAPath
        self.serverName = serverName
        self.minimumVersion = minimumVersion
        self.sessionResumption = sessionResumption
    }
}
