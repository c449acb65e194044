import JSON
import Transport
import XCTest

@testable import LXD

/// The cluster and instance-list parts of the LXD module, without a daemon: what is
/// read from LXD 5.0.2's answers (shapes copied from a real three-member cluster).
final class ClusterParsingTests: XCTestCase {
    private func json(_ text: String) throws -> JSONValue { try JSONValue.parse(text) }

    func testInstanceListGivesNameStatusTypeAndLocation() throws {
        let metadata = try json("""
            [{"architecture":"x86_64","config":{"image.os":"busybox","volatile.x":"{\\"name\\":\\"evil\\"}"},\
            "devices":{},"ephemeral":false,"profiles":["default"],"stateful":false,"description":"",\
            "created_at":"2026-11-30T11:42:01Z","expanded_config":{},"expanded_devices":{"root":{"path":"/","pool":"default","type":"disk"}},\
            "name":"lxc-n2a","status":"Running","status_code":103,"last_used_at":"2026-11-30T11:42:03Z",\
            "location":"node2","type":"container","project":"default"},
             {"name":"lxc-n1a","status":"Stopped","status_code":102,"location":"node1","type":"virtual-machine","project":"default"},
             {"name":"a1","status":"Running","location":"none","type":"container","project":"p2"}]
            """)
        let list = try Instances.summaries(metadata)
        XCTAssertEqual(list.map(\.name), ["lxc-n1a", "lxc-n2a", "a1"], "sorted by project, then name")
        XCTAssertEqual(list[1], InstanceSummary(name: "lxc-n2a", status: "Running", type: "container", location: "node2"))
        XCTAssertTrue(list[1].isRunning)
        XCTAssertEqual(list[0].type, "virtual-machine")
        XCTAssertFalse(list[0].isRunning)
        XCTAssertEqual(list[2].location, "none", "a standalone LXD says none: kept as the daemon says it")
        XCTAssertEqual(list[2].project, "p2")
    }

    func testInstanceListEdgeCases() throws {
        XCTAssertEqual(try Instances.summaries(.null), [])
        XCTAssertEqual(try Instances.summaries(try json("[]")), [])
        XCTAssertThrowsError(try Instances.summaries(try json("{}")))
        XCTAssertThrowsError(try Instances.summaries(try json(#"[{"status":"Running"}]"#)), "no name")
        // A daemon that leaves out the project (older API): the default project.
        let bare = try InstanceSummary(try json(#"{"name":"c1"}"#))
        XCTAssertEqual(bare, InstanceSummary(name: "c1", status: "", type: "", location: "", project: "default"))
    }

    func testClusterMemberFromTheDatabase() throws {
        let m = try ClusterMember(try json("""
            {"roles":["database"],"failure_domain":"default","description":"","config":{},"groups":["default"],\
            "server_name":"node3","url":"https://127.0.1.3:8443","database":true,"status":"Offline",\
            "message":"No heartbeat for 24.3s (2026-11-30 11:45:51 +0000 UTC)","architecture":"x86_64"}
            """))
        XCTAssertEqual(m.name, "node3")
        XCTAssertEqual(m.url, "https://127.0.1.3:8443")
        XCTAssertEqual(m.status, "Offline")
        XCTAssertFalse(m.isOnline)
        XCTAssertEqual(m.roles, ["database"])
        XCTAssertTrue(m.message.hasPrefix("No heartbeat"))
        XCTAssertThrowsError(try ClusterMember(try json(#"{"url":"https://x"}"#)))
    }

    func testInstanceLocationComesFromItsVolume() throws {
        let volumes = try json("""
            [{"name":"lxc-n1a","type":"container","location":"node1","content_type":"filesystem"},
             {"name":"lxc-n3a","type":"custom","location":"node2"},
             {"name":"lxc-n3a","type":"container","location":"node3"},
             {"name":"vm1","type":"virtual-machine","location":"node2"},
             {"name":"solo","type":"container","location":"none"},
             {"name":"img","type":"image","location":"node1"}]
            """)
        XCTAssertEqual(Cluster.location(of: "lxc-n3a", inVolumes: volumes), "node3", "custom volumes of the same name do not count")
        XCTAssertEqual(Cluster.location(of: "vm1", inVolumes: volumes), "node2")
        XCTAssertNil(Cluster.location(of: "solo", inVolumes: volumes), "a standalone server's \"none\" is no member")
        XCTAssertNil(Cluster.location(of: "img", inVolumes: volumes))
        XCTAssertNil(Cluster.location(of: "missing", inVolumes: volumes))
        XCTAssertNil(Cluster.location(of: "x", inVolumes: .null))
    }

    func testPoolNamesFromTheirURLs() {
        XCTAssertEqual(Cluster.lastComponent("/1.0/storage-pools/default"), "default")
        XCTAssertEqual(Cluster.lastComponent("/1.0/storage-pools/my%20pool?project=p"), "my pool")
        XCTAssertEqual(Cluster.lastComponent("/1.0/storage-pools/bad%zz"), "bad%zz", "invalid escapes kept")
        XCTAssertEqual(percentDecode(percentEncode("pool/ü %")), "pool/ü %")
    }

    func testUnresponsiveMemberIsOneLineNamingMemberAndAddress() {
        var m = UnresponsiveMember(instance: "c1", member: "node3", address: "https://127.0.1.3:8443", status: "Online",
                                   statusMessage: "Fully operational",
                                   waited: "timed out after 15 s waiting for LXD to answer POST /1.0/instances/c1/exec")
        XCTAssertEqual(m.description, "cluster member node3 (https://127.0.1.3:8443), which holds c1, did not answer: "
            + "timed out after 15 s waiting for LXD to answer POST /1.0/instances/c1/exec")
        m.status = "Offline"
        m.statusMessage = "No heartbeat for 24s\nsecond line"
        XCTAssertEqual(m.description, "cluster member node3 (https://127.0.1.3:8443, status Offline: No heartbeat for 24s), "
            + "which holds c1, did not answer: timed out after 15 s waiting for LXD to answer POST /1.0/instances/c1/exec")
        let bare = UnresponsiveMember(instance: "c1", member: "node3", waited: "timed out x")
        XCTAssertEqual(bare.description, "cluster member node3, which holds c1, did not answer: timed out x")
        XCTAssertEqual(LXDError.memberUnresponsive(bare).description, bare.description)
        XCTAssertFalse(LXDError.memberUnresponsive(bare).description.contains("\n"))
    }

    func testWhatCountsAsOurTimeout() {
        XCTAssertTrue(LXDError.timedOut("x").isTimeout)
        XCTAssertTrue(LXDError.transport(.timedOut("read")).isTimeout)
        XCTAssertTrue(LXDError.http(.transport(.timedOut("read"))).isTimeout)
        XCTAssertFalse(LXDError.api(code: 500, message: "Missing event connection with target cluster member").isTimeout,
                       "the daemon's own errors are shown as they are")
        XCTAssertFalse(LXDError.transport(.connectionClosed("read")).isTimeout)
    }

    func testSecondsAreWrittenAsAPersonWould() {
        XCTAssertEqual(formatSeconds(15), "15")
        XCTAssertEqual(formatSeconds(2.5), "2.5")
        XCTAssertEqual(formatSeconds(0.25), "0.25")
        XCTAssertEqual(formatSeconds(0.1), "0.1")
        XCTAssertEqual(formatSeconds(10.05), "10.05")
    }
}
