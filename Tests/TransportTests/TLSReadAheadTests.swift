import COpenSSL
import Foundation
import XCTest
@testable import Transport

/// Read-ahead (one recv(2) takes every TLS record that arrived) against an in-process
/// OpenSSL server over a socketpair, whose records the test hands over byte by byte: a
/// poll loop must see records read ahead as buffered input (or it waits on a socket that
/// has nothing more: a hang), and must not see a partial record as buffered input (or it
/// spins at 100 % CPU until the rest arrives).
final class TLSReadAheadTests: XCTestCase {
    /// A TLS server on one end of a socketpair; after the handshake its records are
    /// written to a memory BIO, so the test decides when which bytes reach the client.
    /// Used by the test's thread and, for the handshake only, one other (the test waits
    /// for it): nothing is shared at once.
    final class Server: @unchecked Sendable {
        let fd: Int32
        let ssl: OpaquePointer
        private let ctx: OpaquePointer
        private var memory: OpaquePointer?

        init(fd: Int32, cert: String, key: String) throws {
            guard let ctx = SSL_CTX_new(TLS_server_method()),
                  SSL_CTX_use_certificate_chain_file(ctx, cert) == 1,
                  SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) == 1,
                  let ssl = SSL_new(ctx) else { throw CancellationError() }
            SSL_CTX_set_num_tickets(ctx, 0)  // no NewSessionTicket records after the handshake
            self.ctx = ctx
            self.ssl = ssl
            self.fd = fd
            _ = SSL_set_fd(ssl, fd)
        }

        deinit {
            SSL_free(ssl)
            SSL_CTX_free(ctx)
            close(fd)
        }

        /// Blocking accept (run on its own thread while the client handshakes).
        func accept() -> Bool { SSL_accept(ssl) == 1 }

        /// The records that carry `text`, one per `SSL_write`, as bytes (not sent).
        func records(_ texts: [String]) -> [UInt8] {
            if memory == nil {
                memory = BIO_new(BIO_s_mem())
                SSL_set0_wbio(ssl, memory)  // the SSL owns it
            }
            for text in texts { _ = text.withCString { SSL_write(ssl, $0, Int32(strlen($0))) } }
            var out: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = chunk.withUnsafeMutableBytes { BIO_read(memory, $0.baseAddress, 4096) }
                if n <= 0 { break }
                out += chunk[0..<Int(n)]
            }
            return out
        }

        func send(_ bytes: ArraySlice<UInt8>) {
            _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        }
    }

    private var dir = ""

    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "lxattach-readahead-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        p.arguments = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                       "-keyout", dir + "/k.pem", "-out", dir + "/c.pem", "-days", "2", "-subj", "/CN=localhost"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "openssl req")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: dir)
        super.tearDown()
    }

    /// A connected client and server (handshake done, TLS 1.3, server certificate pinned).
    private func pair() throws -> (TLSStream, Server) {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds), 0)
        let server = try Server(fd: fds[1], cert: dir + "/c.pem", key: dir + "/k.pem")
        let context = try TLSContext(configuration: TLSClientConfiguration(pinnedServerCertificatePath: dir + "/c.pem"))
        let client = try TLSStream(socket: SocketStream(adoptingDescriptor: fds[0]), serverName: "localhost", context: context)
        let accepted = expectation(description: "server handshake")
        Thread.detachNewThread {
            if server.accept() { accepted.fulfill() }
        }
        try client.handshake(deadline: .after(seconds: 10))
        wait(for: [accepted], timeout: 10)
        return (client, server)
    }

    /// Reads once into a buffer of `size` bytes.
    private func read(_ client: TLSStream, size: Int = 1024) throws -> IOResult {
        var buffer = [UInt8](repeating: 0, count: size)
        let r = try buffer.withUnsafeMutableBytes { try client.read(into: $0) }
        if case .bytes(let n) = r { last = String(decoding: buffer[0..<n], as: UTF8.self) }
        return r
    }
    private var last = ""

    func testRecordsReadAheadCountAsBufferedInput() throws {
        let (client, server) = try pair()
        // Three records arrive at once; one read takes them all from the socket but gives
        // back only the first: the other two must be reported as buffered input.
        server.send(server.records(["one", "two", "three"])[...])
        XCTAssertEqual(try read(client), .bytes(3))
        XCTAssertEqual(last, "one")
        XCTAssertTrue(client.hasBufferedInput, "records read ahead but not decrypted are buffered input")
        var socketReadable = pollfd(fd: client.fileDescriptor, events: Int16(POLLIN), revents: 0)
        XCTAssertEqual(poll(&socketReadable, 1, 0), 0, "the socket itself has nothing more: polling it would wait for ever")
        XCTAssertEqual(try read(client), .bytes(3))
        XCTAssertEqual(last, "two")
        XCTAssertEqual(try read(client), .bytes(5))
        XCTAssertEqual(last, "three")
        XCTAssertFalse(client.hasBufferedInput)
        XCTAssertEqual(try read(client), .wouldBlock(.read))
    }

    func testAPartialRecordIsNotBufferedInput() throws {
        let (client, server) = try pair()
        let record = server.records(["a record split in two"])
        server.send(record[..<10])
        XCTAssertEqual(try read(client), .wouldBlock(.read))
        XCTAssertFalse(client.hasBufferedInput, "half a record cannot be read: poll the socket, do not spin")
        server.send(record[10...])
        var socketReadable = pollfd(fd: client.fileDescriptor, events: Int16(POLLIN), revents: 0)
        XCTAssertEqual(poll(&socketReadable, 1, 5000), 1)
        XCTAssertEqual(try read(client), .bytes(21))
        XCTAssertEqual(last, "a record split in two")
    }
}
