import Glibc
import XCTest

@testable import Transport

/// The session file's name binds the address, the identity and the pin; what is not a
/// session of ours is ignored.
final class TLSSessionFileTests: XCTestCase {
    func testTheNameChangesWithTheAddressTheIdentityAndThePin() {
        let base = TLSClientConfiguration(clientCertificatePath: "/c/client.crt", clientKeyPath: "/c/client.key")
        let a = TLSSessionFile.path(directory: "/d", address: "https://h:8443", configuration: base, pin: [1, 2])
        XCTAssertTrue(a.hasPrefix("/d/tls-") && a.hasSuffix(".session"), a)
        XCTAssertEqual(a, TLSSessionFile.path(directory: "/d", address: "https://h:8443", configuration: base, pin: [1, 2]))
        var other = base
        other.clientCertificatePath = "/c/other.crt"
        let variants = [
            TLSSessionFile.path(directory: "/d", address: "https://h:8444", configuration: base, pin: [1, 2]),
            TLSSessionFile.path(directory: "/d", address: "https://h:8443", configuration: other, pin: [1, 2]),
            TLSSessionFile.path(directory: "/d", address: "https://h:8443", configuration: base, pin: [1, 3]),
            TLSSessionFile.path(directory: "/d", address: "https://h:8443", configuration: base, pin: nil),
        ]
        XCTAssertEqual(Set(variants + [a]).count, 5, "\(variants)")
    }

    /// Session files already on disk keep their names: FNV-1a 64 of address, certificate,
    /// server name and pin, each followed by 0xff (computed apart from this code).
    func testTheNameIsStable() {
        let base = TLSClientConfiguration(clientCertificatePath: "/c/client.crt", clientKeyPath: "/c/client.key")
        XCTAssertEqual(TLSSessionFile.path(directory: "/d", address: "https://h:8443", configuration: base, pin: [1, 2]),
                       "/d/tls-a4b4775ebb618dc3.session")
    }

    func testAMissingForeignOrCorruptFileIsNoSession() throws {
        let path = "/tmp/lxattach-session-\(getpid())"
        defer { unlink(path) }
        XCTAssertNil(TLSSessionFile.load(path, key: "vm@127.0.0.1:8443"), "no file")
        for bytes in [Array("vm@127.0.0.1:8443\n".utf8) + [0x30, 0x82, 0x01],   // DER cut short
                      Array("other@h:1\n".utf8) + [0x30, 0x00],                    // another key
                      Array("no newline at all".utf8)] {
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            XCTAssertEqual(bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }, bytes.count)
            close(fd)
            XCTAssertNil(TLSSessionFile.load(path, key: "vm@127.0.0.1:8443"), "\(bytes)")
        }
    }
}
