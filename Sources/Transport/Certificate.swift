import COpenSSL

/// An X.509 certificate as the rest of the program sees it: DER bytes, PEM text, and the
/// SHA-256 fingerprint of the DER in lowercase hex (what `lxc` prints and what LXD reports
/// as `certificate_fingerprint`).
public struct CertificateInfo: Sendable, Equatable {
    public let der: [UInt8]
    public let pem: String
    public let sha256Fingerprint: String

    /// From an OpenSSL X509*.
    init?(x509: OpaquePointer) {
        let len = i2d_X509(x509, nil)
        guard len > 0 else { return nil }
        var der = [UInt8](repeating: 0, count: Int(len))
        let written = der.withUnsafeMutableBufferPointer { buf -> Int32 in
            var p = buf.baseAddress
            return i2d_X509(x509, &p)
        }
        guard written == len else { return nil }
        self.der = der
        self.sha256Fingerprint = hexString(sha256(der))
        guard let bio = BIO_new(BIO_s_mem()) else { return nil }
        defer { BIO_free(bio) }
        guard PEM_write_bio_X509(bio, x509) == 1 else { return nil }
        var data: UnsafeMutablePointer<CChar>? = nil
        let n = lxa_BIO_get_mem_data(bio, &data)
        guard n > 0, let data else { return nil }
        self.pem = data.withMemoryRebound(to: UInt8.self, capacity: n) {
            String(decoding: UnsafeBufferPointer(start: $0, count: n), as: UTF8.self)
        }
    }

    /// Reads the first certificate of a PEM file.
    public static func load(pemPath path: String) throws(TransportError) -> CertificateInfo {
        guard let x509 = readPEMCertificate(path) else {
            throw .tlsConfiguration("cannot read certificate \(path): \(takeOpenSSLError() ?? "unreadable")")
        }
        defer { X509_free(x509) }
        guard let info = CertificateInfo(x509: x509) else {
            throw .tlsConfiguration("cannot encode certificate \(path)")
        }
        return info
    }
}

/// X509* from the first certificate in a PEM file, or nil (error left on the ERR queue).
func readPEMCertificate(_ path: String) -> OpaquePointer? {
    guard let bio = BIO_new_file(path, "r") else { return nil }
    defer { BIO_free(bio) }
    return PEM_read_bio_X509(bio, nil, nil, nil)
}

/// SHA-256 of bytes.
func sha256(_ bytes: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 32)
    bytes.withUnsafeBufferPointer { inp in
        out.withUnsafeMutableBufferPointer { o in
            _ = SHA256(inp.baseAddress, inp.count, o.baseAddress)
        }
    }
    return out
}

/// SHA-256 of a certificate's DER encoding.
func certificateSHA256(_ x509: OpaquePointer) -> [UInt8]? {
    var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
    var len: UInt32 = 0
    let ok = out.withUnsafeMutableBufferPointer { X509_digest(x509, EVP_sha256(), $0.baseAddress, &len) }
    guard ok == 1, len == 32 else { return nil }
    return Array(out[0..<32])
}

func hexString(_ bytes: [UInt8]) -> String {
    let digits: [UInt8] = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
        out.append(digits[Int(b >> 4)])
        out.append(digits[Int(b & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
}

/// The reason string of the first (oldest) error on OpenSSL's thread-local error queue;
/// the queue is cleared.
func takeOpenSSLError() -> String? {
    let code = ERR_get_error()
    ERR_clear_error()
    guard code != 0 else { return nil }
    if let reason = ERR_reason_error_string(code) { return String(cString: reason) }
    var buf = [CChar](repeating: 0, count: 256)
    ERR_error_string_n(code, &buf, buf.count)
    return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
