import Foundation
import XCTest
@testable import HTTP
@testable import Transport

/// TLS against `openssl s_server` on 127.0.0.1 with certificates made by the openssl CLI.
final class TLSTests: XCTestCase {
    /// Certificates shared by all tests, generated once.
    struct Certs: Sendable {
        let dir: String
        var ca: String { dir + "/ca.crt" }
        var caSigned: (cert: String, key: String) { (dir + "/srv.crt", dir + "/srv.key") }
        var selfSigned: (cert: String, key: String) { (dir + "/self.crt", dir + "/self.key") }
        var other: String { dir + "/other.crt" }
        var client: (cert: String, key: String) { (dir + "/client.crt", dir + "/client.key") }
    }

    nonisolated(unsafe) static var certs: Certs?  // set once in class setUp, read-only after
    var server: Process?

    static func run(_ args: [String], in dir: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = args
        p.currentDirectoryURL = URL(fileURLWithPath: dir)
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        guard waitForExit(p, timeout: 60), p.terminationStatus == 0 else {
            throw NSError(domain: "openssl", code: Int(p.terminationStatus), userInfo: [NSLocalizedDescriptionKey: args.joined(separator: " ")])
        }
    }

    override class func setUp() {
        super.setUp()
        let dir = NSTemporaryDirectory() + "lxattach-tls-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        do {
            try run(["req", "-x509"] + ec + ["-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=lxattach test CA"], in: dir)
            try run(["req"] + ec + ["-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=localhost"], in: dir)
            try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(toFile: dir + "/ext.cnf", atomically: true, encoding: .utf8)
            try run(["x509", "-req", "-in", "srv.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                     "-out", "srv.crt", "-days", "2", "-extfile", "ext.cnf"], in: dir)
            // Like LXD's server certificate: self-signed P-384 with IP SANs.
            try run(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:secp384r1", "-nodes",
                     "-keyout", "self.key", "-out", "self.crt", "-days", "2", "-subj", "/O=linuxcontainers.org/CN=root@vm",
                     "-addext", "subjectAltName=DNS:vm,IP:127.0.0.1,IP:::1"], in: dir)
            try run(["req", "-x509"] + ec + ["-keyout", "other.key", "-out", "other.crt", "-days", "2", "-subj", "/CN=other"], in: dir)
            try run(["req", "-x509"] + ec + ["-keyout", "client.key", "-out", "client.crt", "-days", "2", "-subj", "/CN=client"], in: dir)
            certs = Certs(dir: dir)
        } catch {
            certs = nil
        }
    }

    override class func tearDown() {
        if let dir = certs?.dir { try? FileManager.default.removeItem(atPath: dir) }
        super.tearDown()
    }

    override func tearDown() {
        if let server, server.isRunning {
            server.terminate()
            if !waitForExit(server, timeout: 5) { kill(server.processIdentifier, SIGKILL) }
        }
        server = nil
        super.tearDown()
    }

    private func requireCerts() throws -> Certs {
        guard let c = Self.certs else { XCTFail("certificate generation with the openssl CLI failed"); throw CancellationError() }
        return c
    }

    /// Starts `openssl s_server -www` with the given certificate; returns its port once it accepts.
    /// The port is picked free, then bound by s_server: should another process take it in
    /// between (s_server then exits at once), a new port is tried.
    private func startServer(cert: String, key: String, extra: [String] = []) throws -> UInt16 {
        for _ in 0..<3 {
            if let port = try startServerOnce(cert: cert, key: key, extra: extra) { return port }
        }
        XCTFail("openssl s_server did not start")
        throw CancellationError()
    }

    private func startServerOnce(cert: String, key: String, extra: [String]) throws -> UInt16? {
        let port = freeTCPPort()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = ["s_server", "-accept", "127.0.0.1:\(port)", "-cert", cert, "-key", key, "-www",
                       "-alpn", "h2,http/1.1"] + extra
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        server = p
        let deadline = Deadline.after(seconds: 10)
        while !deadline.hasExpired {
            if let probe = try? TCPStream.connect(host: "127.0.0.1", port: port, deadline: .after(seconds: 1)) {
                probe.close()
                return port
            }
            if !p.isRunning { server = nil; return nil }  // the port was taken
            usleep(20_000)
        }
        XCTFail("openssl s_server did not start")
        throw CancellationError()
    }

    private func get(_ stream: TLSStream) throws -> HTTPResponse {
        let conn = HTTPConnection(stream: stream, host: "127.0.0.1")
        return try conn.send(.get("/"), deadline: .after(seconds: 10))
    }

    func testPinnedCertificateAcceptedRegardlessOfName() throws {
        let c = try requireCerts()
        let port = try startServer(cert: c.selfSigned.cert, key: c.selfSigned.key, extra: ["-Verify", "1"])
        let ctx = try TLSContext(configuration: TLSClientConfiguration(
            clientCertificatePath: c.client.cert, clientKeyPath: c.client.key,
            pinnedServerCertificatePath: c.selfSigned.cert, serverName: "some.other.name"))
        let stream = try TLSStream.connect(host: "127.0.0.1", port: port, context: ctx, deadline: .after(seconds: 10))
        XCTAssertEqual(stream.negotiatedALPN, "http/1.1")  // the server prefers h2: we did not offer it
        XCTAssertEqual(stream.protocolVersion, "TLSv1.3")
        let pinned = try CertificateInfo.load(pemPath: c.selfSigned.cert)
        XCTAssertEqual(stream.serverCertificate?.sha256Fingerprint, pinned.sha256Fingerprint)
        XCTAssertEqual(stream.serverCertificate?.der, pinned.der)
        XCTAssertTrue(stream.serverCertificate?.pem.hasPrefix("-----BEGIN CERTIFICATE-----") ?? false)
        let response = try get(stream)
        XCTAssertEqual(response.status, 200)
        // -Verify 1 makes the server require a client certificate; -www shows it.
        XCTAssertTrue(response.bodyText.contains("Client certificate"), response.bodyText)
        XCTAssertTrue(response.bodyText.contains("CN = client") || response.bodyText.contains("CN=client"), response.bodyText)
        stream.close()
    }

    func testNoClientCertificateIsRefusedByServerRequiringOne() throws {
        let c = try requireCerts()
        let port = try startServer(cert: c.selfSigned.cert, key: c.selfSigned.key, extra: ["-Verify", "1"])
        let ctx = try TLSContext(configuration: TLSClientConfiguration(pinnedServerCertificatePath: c.selfSigned.cert))
        // TLS 1.3: the client finishes first; the server's alert arrives with the first read.
        do {
            let stream = try TLSStream.connect(host: "127.0.0.1", port: port, context: ctx, deadline: .after(seconds: 10))
            _ = try get(stream)
            XCTFail("server accepted a client without certificate")
        } catch {
            XCTAssertTrue("\(error)".contains("certificate"), "\(error)")
        }
    }

    func testWrongPinRefusedWithFingerprint() throws {
        let c = try requireCerts()
        let port = try startServer(cert: c.selfSigned.cert, key: c.selfSigned.key)
        let ctx = try TLSContext(configuration: TLSClientConfiguration(pinnedServerCertificatePath: c.other))
        let serverFP = try CertificateInfo.load(pemPath: c.selfSigned.cert).sha256Fingerprint
        let pinFP = try CertificateInfo.load(pemPath: c.other).sha256Fingerprint
        XCTAssertThrowsError(try TLSStream.connect(host: "127.0.0.1", port: port, context: ctx, deadline: .after(seconds: 10))) { error in
            guard case .certificateRejected(let rejection)? = error as? TransportError else { return XCTFail("\(error)") }
            XCTAssertEqual(rejection.reason, .pinMismatch(pinnedFingerprint: pinFP))
            XCTAssertEqual(rejection.serverFingerprint, serverFP)
            XCTAssertEqual(serverFP.count, 64)
            XCTAssertEqual(serverFP, serverFP.lowercased())
            let text = "\(error)"
            XCTAssertTrue(text.contains("pinned"), text)
            XCTAssertTrue(text.contains(pinFP), text)
            XCTAssertTrue(text.contains(serverFP), text)
            XCTAssertNotNil(rejection.serverCertificatePEM)
        }
    }

    func testSelfSignedWithoutPinIsUnknownAuthority() throws {
        let c = try requireCerts()
        let port = try startServer(cert: c.selfSigned.cert, key: c.selfSigned.key)
        let ctx = try TLSContext(configuration: TLSClientConfiguration())  // system roots
        XCTAssertThrowsError(try TLSStream.connect(host: "127.0.0.1", port: port, context: ctx, deadline: .after(seconds: 10))) { error in
            guard case .certificateRejected(let rejection)? = error as? TransportError,
                  case .unknownAuthority = rejection.reason else { return XCTFail("\(error)") }
            XCTAssertNotNil(rejection.serverFingerprint)
            XCTAssertTrue("\(error)".contains("unknown authority"), "\(error)")
        }
    }

    func testCASignedNameChecks() throws {
        let c = try requireCerts()
        let port = try startServer(cert: c.caSigned.cert, key: c.caSigned.key)
        // Right IP and right DNS name (SNI) verify.
        for name in [nil, "localhost"] {
            let ctx = try TLSContext(configuration: TLSClientConfiguration(trustedCAPath: c.ca, serverName: name))
            let stream = try TLSStream.connect(host: "127.0.0.1", port: port, context: ctx, deadline: .after(seconds: 10))
            XCTAssertEqual(try get(stream).status, 200)
        }
        // Wrong name.
        let ctx = try TLSContext(configuration: TLSClientConfiguration(trustedCAPath: c.ca, serverName: "wrong.example"))
        XCTAssertThrowsError(try TLSStream.connect(host: "127.0.0.1", port: port, context: ctx, deadline: .after(seconds: 10))) { error in
            guard case .certificateRejected(let rejection)? = error as? TransportError else { return XCTFail("\(error)") }
            XCTAssertEqual(rejection.reason, .nameMismatch(expected: "wrong.example"))
            XCTAssertTrue("\(error)".contains("not valid for wrong.example"), "\(error)")
        }
        // Wrong IP.
        let ctxIP = try TLSContext(configuration: TLSClientConfiguration(trustedCAPath: c.ca, serverName: "10.1.2.3"))
        XCTAssertThrowsError(try TLSStream.connect(host: "127.0.0.1", port: port, context: ctxIP, deadline: .after(seconds: 10))) { error in
            guard case .certificateRejected(let rejection)? = error as? TransportError else { return XCTFail("\(error)") }
            XCTAssertEqual(rejection.reason, .nameMismatch(expected: "10.1.2.3"))
        }
    }

    func testSessionResumption() throws {
        let c = try requireCerts()
        let port = try startServer(cert: c.selfSigned.cert, key: c.selfSigned.key)
        let ctx = try TLSContext(configuration: TLSClientConfiguration(
            clientCertificatePath: c.client.cert, clientKeyPath: c.client.key, pinnedServerCertificatePath: c.selfSigned.cert))
        let first = try TLSStream.connect(host: "127.0.0.1", port: port, context: ctx, deadline: .after(seconds: 10))
        XCTAssertFalse(first.sessionWasReused)
        XCTAssertEqual(try get(first).status, 200)  // reading processes the TLS 1.3 tickets
        first.close()
        XCTAssertEqual(ctx.cachedSessionCount, 1)
        let second = try TLSStream.connect(host: "127.0.0.1", port: port, context: ctx, deadline: .after(seconds: 10))
        XCTAssertTrue(second.sessionWasReused)
        XCTAssertNotNil(second.serverCertificate)
        XCTAssertEqual(try get(second).status, 200)
        second.close()

        let noResume = try TLSContext(configuration: TLSClientConfiguration(
            pinnedServerCertificatePath: c.selfSigned.cert, sessionResumption: false))
        for _ in 0..<2 {
            let s = try TLSStream.connect(host: "127.0.0.1", port: port, context: noResume, deadline: .after(seconds: 10))
            XCTAssertFalse(s.sessionWasReused)
            XCTAssertEqual(try get(s).status, 200)
        }
        XCTAssertEqual(noResume.cachedSessionCount, 0)
    }

    func testTLS12ServerAndBufferedInputDrain() throws {
        let c = try requireCerts()
        let port = try startServer(cert: c.selfSigned.cert, key: c.selfSigned.key, extra: ["-tls1_2"])
        let ctx = try TLSContext(configuration: TLSClientConfiguration(pinnedServerCertificatePath: c.selfSigned.cert))
        let stream = try TLSStream.connect(host: "127.0.0.1", port: port, context: ctx, deadline: .after(seconds: 10))
        XCTAssertEqual(stream.protocolVersion, "TLSv1.2")
        try stream.writeAll(Array("GET / HTTP/1.0\r\n\r\n".utf8), deadline: .after(seconds: 5))
        // Read in tiny pieces: SSL_pending must report the rest of a record without poll.
        var total = [UInt8]()
        var sawBuffered = false
        var buf = [UInt8](repeating: 0, count: 7)
        while true {
            let n = try buf.withUnsafeMutableBytes { try stream.readSome(into: $0, deadline: .after(seconds: 5)) }
            if n == 0 { break }
            total += buf[0..<n]
            if stream.hasBufferedInput { sawBuffered = true }
        }
        XCTAssertTrue(sawBuffered)
        XCTAssertTrue(String(decoding: total, as: UTF8.self).hasPrefix("HTTP/1.0 200 ok"))
        stream.close()  // s_server serves one connection at a time
        // A minimum of TLS 1.3 refuses this server.
        let ctx13 = try TLSContext(configuration: TLSClientConfiguration(
            pinnedServerCertificatePath: c.selfSigned.cert, minimumVersion: .tls13))
        XCTAssertThrowsError(try TLSStream.connect(host: "127.0.0.1", port: port, context: ctx13, deadline: .after(seconds: 10))) { error in
            guard case .tlsHandshake? = error as? TransportError else { return XCTFail("\(error)") }
        }
    }

    func testHandshakeTimeout() throws {
        // A TCP listener that never speaks TLS.
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
                _ = bind(fd, p, len); _ = listen(fd, 1); _ = getsockname(fd, p, &len)
            }
        }
        let port = UInt16(bigEndian: addr.sin_port)
        let ctx = try TLSContext(configuration: TLSClientConfiguration())
        XCTAssertThrowsError(try TLSStream.connect(host: "127.0.0.1", port: port, context: ctx, deadline: .after(seconds: 0.3))) { error in
            XCTAssertEqual("\(error)", "TLS handshake with 127.0.0.1: timed out")
        }
    }

    func testConfigurationErrors() throws {
        let c = try requireCerts()
        XCTAssertThrowsError(try TLSContext(configuration: TLSClientConfiguration(
            clientCertificatePath: "/nonexistent/client.crt", clientKeyPath: c.client.key))) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent/client.crt"), "\(error)")
        }
        XCTAssertThrowsError(try TLSContext(configuration: TLSClientConfiguration(
            clientCertificatePath: c.client.cert, clientKeyPath: c.selfSigned.key))) { error in
            XCTAssertTrue("\(error)".contains("does not match"), "\(error)")
        }
        XCTAssertThrowsError(try TLSContext(configuration: TLSClientConfiguration(pinnedServerCertificatePath: "/nonexistent.crt"))) { error in
            XCTAssertTrue("\(error)".contains("/nonexistent.crt"), "\(error)")
        }
    }
}
