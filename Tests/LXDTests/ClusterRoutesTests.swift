import Foundation
import Glibc
import JSON
import XCTest

@testable import LXD

/// The remembered cluster routes: which member holds an instance, at which address, and
/// which addresses could not be reached.
final class ClusterRoutesTests: XCTestCase {
    private let members = [ClusterMember(name: "node1", url: "https://127.0.1.1:8443", status: "Online"),
                           ClusterMember(name: "node2", url: "https://127.0.1.2:8443", status: "Online")]

    func testAnInstanceRoutesToItsMembersAddressPerProject() {
        var r = ClusterRoutes()
        XCTAssertNil(r.memberURL(instance: "c1", project: nil))
        XCTAssertTrue(r.note(instance: "c1", project: nil, member: "node2"))
        XCTAssertFalse(r.note(instance: "c1", project: "default", member: "node2"), "nil is the default project")
        XCTAssertNil(r.memberURL(instance: "c1", project: nil), "no address known yet")
        XCTAssertTrue(r.note(members: members))
        XCTAssertFalse(r.note(members: members), "the same list changes nothing")
        XCTAssertEqual(r.memberURL(instance: "c1", project: nil), "https://127.0.1.2:8443")
        XCTAssertNil(r.memberURL(instance: "c1", project: "other"))
        r.unreachable.insert("https://127.0.1.2:8443")
        XCTAssertNil(r.memberURL(instance: "c1", project: nil), "an unreachable member is not used")
    }

    func testANewMemberListForgetsUnreachableAddressesItNoLongerHas() {
        var r = ClusterRoutes()
        r.unreachable = ["https://127.0.1.2:8443", "https://10.9.9.9:8443"]
        r.note(members: members)
        XCTAssertEqual(r.unreachable, ["https://127.0.1.2:8443"])
    }

    func testJSONRoundTripAndAForeignFileIsEmpty() throws {
        var r = ClusterRoutes()
        r.note(members: members)
        r.note(instance: "c1", project: "p", member: "node1")
        r.unreachable = ["https://127.0.1.2:8443"]
        XCTAssertEqual(ClusterRoutes(json: r.json), r)
        XCTAssertNil(ClusterRoutes(json: try JSONValue.parse("[1]")))

        let dir = "/tmp/lxattach-routes-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = ClusterRoutes.path(directory: dir, address: "https://127.0.1.1:8443")
        XCTAssertTrue(path.hasPrefix(dir + "/cluster-") && path.hasSuffix(".json"), path)
        XCTAssertNotEqual(path, ClusterRoutes.path(directory: dir, address: "https://127.0.1.2:8443"))
        XCTAssertEqual(ClusterRoutes.load(path), ClusterRoutes(), "no file: nothing known")
        r.save(path, directory: dir)
        XCTAssertEqual(ClusterRoutes.load(path), r)
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        XCTAssertEqual(st.st_mode & 0o777, 0o600)
    }

    /// Cache files already on disk keep their names: FNV-1a 64 of the address (computed
    /// apart from this code).
    func testTheCacheFileNameIsStable() {
        XCTAssertEqual(ClusterRoutes.path(directory: "/d", address: "https://127.0.1.1:8443"), "/d/cluster-6c36a9c6108208cf.json")
    }

    func testMemberURLsParse() {
        XCTAssertTrue(LXDClient.hostAndPort(httpsURL: "https://10.0.0.2:8443")! == ("10.0.0.2", 8443))
        XCTAssertTrue(LXDClient.hostAndPort(httpsURL: "https://[fd00::2]:9443")! == ("fd00::2", 9443))
        XCTAssertTrue(LXDClient.hostAndPort(httpsURL: "https://[::1]")! == ("::1", 8443))
        XCTAssertTrue(LXDClient.hostAndPort(httpsURL: "https://host/")! == ("host", 8443))
        XCTAssertNil(LXDClient.hostAndPort(httpsURL: "http://10.0.0.2:8443"))
        XCTAssertNil(LXDClient.hostAndPort(httpsURL: "https://10.0.0.2:x"))
        XCTAssertNil(LXDClient.hostAndPort(httpsURL: "https://:8443"))
    }

    func testAMemberClientKeepsTheIdentityAndVerifiedName() throws {
        let remote = ResolvedRemote(name: "c", endpoint: .https(host: "127.0.1.1", port: 8443, serverName: "vm"),
                                    clientCertificatePath: "/c.crt", clientKeyPath: "/c.key",
                                    pinnedServerCertificatePath: "/s.crt")
        let client = LXDClient(remote: remote, project: "p")
        let member = try XCTUnwrap(client.memberClient(url: "https://127.0.1.2:8443"))
        XCTAssertEqual(member.remote.endpoint, .https(host: "127.0.1.2", port: 8443, serverName: "vm"))
        XCTAssertEqual(member.remote.clientCertificatePath, "/c.crt")
        XCTAssertEqual(member.remote.pinnedServerCertificatePath, "/s.crt")
        XCTAssertEqual(member.project, "p")
        XCTAssertNil(client.memberClient(url: "https://127.0.1.1:8443"), "its own address")
        let unix = LXDClient(remote: ResolvedRemote(name: "u", endpoint: .unix(path: "/s")))
        XCTAssertNil(unix.memberClient(url: "https://127.0.1.2:8443"))
    }
}
