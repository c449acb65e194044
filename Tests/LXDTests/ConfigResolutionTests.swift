import LXD
import XCTest

final class ConfigResolutionTests: XCTestCase {
    func env(_ flavor: ClientFlavor, _ vars: [String: String], existing: Set<String> = []) -> ClientEnvironment {
        ClientEnvironment(flavor: flavor, variables: vars, fileExists: { existing.contains($0) })
    }

    // MARK: Flavor

    func testFlavorSelection() throws {
        XCTAssertEqual(try ClientFlavor.select(environment: [:]), .lxd)
        XCTAssertEqual(try ClientFlavor.select(environment: ["LXATTACH_FLAVOR": "incus"]), .incus)
        XCTAssertEqual(try ClientFlavor.select(environment: ["LXATTACH_FLAVOR": "LXD"]), .lxd)
        XCTAssertEqual(try ClientFlavor.select(explicit: .lxd, environment: ["LXATTACH_FLAVOR": "incus"]), .lxd)
        XCTAssertEqual(try ClientFlavor.select(environment: [:], executableName: "/usr/bin/incattach"), .incus)
        XCTAssertEqual(try ClientFlavor.select(environment: [:], executableName: "/usr/bin/lxattach"), .lxd)
        XCTAssertThrowsError(try ClientFlavor.select(environment: ["LXATTACH_FLAVOR": "docker"])) {
            XCTAssertEqual($0 as? ConfigError, .unknownFlavor("docker"))
        }
    }

    // MARK: Directories and sockets

    func testLXDConfigDirectoryPrecedence() {
        XCTAssertEqual(env(.lxd, ["LXD_CONF": "/c", "HOME": "/h"]).configDirectory, "/c")
        XCTAssertEqual(env(.lxd, ["HOME": "/h"]).configDirectory, "/h/.config/lxc", "default when nothing exists")
        XCTAssertEqual(
            env(.lxd, ["HOME": "/h"], existing: ["/h/snap/lxd/common/config"]).configDirectory,
            "/h/snap/lxd/common/config")
        XCTAssertEqual(
            env(.lxd, ["HOME": "/h"], existing: ["/h/snap/lxd/common/config", "/h/.config/lxc"]).configDirectory,
            "/h/.config/lxc")
        XCTAssertEqual(env(.lxd, ["HOME": "/h", "LXD_CONF": ""]).configFilePath, "/h/.config/lxc/config.yml")
        XCTAssertNil(env(.lxd, [:]).configDirectory)
    }

    func testIncusConfigDirectory() {
        XCTAssertEqual(env(.incus, ["INCUS_CONF": "/i", "LXD_CONF": "/c"]).configDirectory, "/i")
        XCTAssertEqual(env(.incus, ["HOME": "/h/"]).configDirectory, "/h/.config/incus")
    }

    func testLXDSocketPrecedence() {
        XCTAssertEqual(env(.lxd, ["LXD_SOCKET": "/s", "LXD_DIR": "/d"]).localSocketPath, "/s")
        XCTAssertEqual(env(.lxd, ["LXD_DIR": "/d"]).localSocketPath, "/d/unix.socket")
        XCTAssertEqual(
            env(.lxd, [:], existing: ["/var/snap/lxd/common/lxd/unix.socket"]).localSocketPath,
            "/var/snap/lxd/common/lxd/unix.socket")
        XCTAssertEqual(env(.lxd, [:]).localSocketPath, "/var/lib/lxd/unix.socket")
        XCTAssertEqual(env(.lxd, ["INCUS_SOCKET": "/x"]).localSocketPath, "/var/lib/lxd/unix.socket")
    }

    func testIncusSocketPrecedence() {
        XCTAssertEqual(env(.incus, ["INCUS_SOCKET": "/s", "INCUS_DIR": "/d"]).localSocketPath, "/s")
        XCTAssertEqual(env(.incus, ["INCUS_DIR": "/d"]).localSocketPath, "/d/unix.socket")
        XCTAssertEqual(env(.incus, [:], existing: ["/run/incus/unix.socket"]).localSocketPath, "/run/incus/unix.socket")
        XCTAssertEqual(env(.incus, [:]).localSocketPath, "/var/lib/incus/unix.socket")
    }

    func testCacheDirectory() {
        XCTAssertEqual(env(.lxd, ["XDG_CACHE_HOME": "/x", "HOME": "/h"]).cacheDirectory, "/x/lxattach")
        XCTAssertEqual(env(.lxd, ["HOME": "/h"]).cacheDirectory, "/h/.cache/lxattach")
        XCTAssertNil(env(.lxd, [:]).cacheDirectory)
    }

    // MARK: Built-in remotes

    func testDefaultsWithoutFile() {
        let lxd = LXCConfig.defaults(flavor: .lxd)
        XCTAssertEqual(lxd.defaultRemote, "local")
        XCTAssertEqual(Set(lxd.remotes.map(\.name)), ["local", "images", "ubuntu", "ubuntu-daily"])
        XCTAssertEqual(lxd[remote: "local"]?.addr, "unix://")
        XCTAssertEqual(lxd[remote: "ubuntu"]?.protocol, .simplestreams)
        XCTAssertEqual(lxd[remote: "images"]?.protocol, .simplestreams)
        let incus = LXCConfig.defaults(flavor: .incus)
        XCTAssertEqual(Set(incus.remotes.map(\.name)), ["local", "images"])
        XCTAssertEqual(incus[remote: "local"]?.protocol, .incus)
    }

    func testStaticRemotesWinOverFileButKeepProject() {
        let file = LXCConfig(
            defaultRemote: "local",
            remotes: [
                Remote(name: "local", addr: "unix:///elsewhere", project: "dev"),
                Remote(name: "tls", addr: "https://h"),
            ])
        let c = file.withBuiltinRemotes(flavor: .lxd, fileExisted: true)
        XCTAssertEqual(c[remote: "local"], Remote(name: "local", addr: "unix://", project: "dev"))
        XCTAssertEqual(c[remote: "tls"]?.addr, "https://h")
        XCTAssertNil(c[remote: "images"], "default remotes only when there is no file")
        XCTAssertNotNil(c[remote: "ubuntu"])
        XCTAssertEqual(c.remotes.first?.name, "local", "file order kept")
    }

    func testDefaultRemoteEnvironmentOverride() {
        let c = LXCConfig(defaultRemote: "a")
        XCTAssertEqual(c.applyingEnvironment(env(.lxd, ["LXC_REMOTE": "b"])).defaultRemote, "b")
        XCTAssertEqual(c.applyingEnvironment(env(.lxd, ["INCUS_REMOTE": "b"])).defaultRemote, "a")
        XCTAssertEqual(c.applyingEnvironment(env(.incus, ["INCUS_REMOTE": "i"])).defaultRemote, "i")
    }

    // MARK: remote:instance

    var sample: LXCConfig {
        LXCConfig(
            defaultRemote: "local",
            remotes: [
                Remote(name: "tls", addr: "https://10.0.0.5:8443", project: "web"),
                Remote(name: "v6", addr: "https://[::1]"),
                Remote(name: "named", addr: "https://lxd.example.org:9443/"),
                Remote(name: "sock", addr: "unix:///run/custom.socket"),
                Remote(name: "bad", addr: "ftp://x"),
                Remote(name: "list", addr: "https://a:1,https://b:2", protocol: .incus),
            ]
        ).withBuiltinRemotes(flavor: .lxd, fileExisted: false)
    }

    func testInstanceReferences() throws {
        XCTAssertEqual(try sample.parseInstanceReference("c1"), InstanceReference(remote: "local", instance: "c1"))
        XCTAssertEqual(try sample.parseInstanceReference("local:c1"), InstanceReference(remote: "local", instance: "c1"))
        XCTAssertEqual(try sample.parseInstanceReference("tls:web-1"), InstanceReference(remote: "tls", instance: "web-1"))
        var other = sample
        other.defaultRemote = "tls"
        XCTAssertEqual(try other.parseInstanceReference("c1").remote, "tls")
    }

    func testInstanceReferenceErrors() {
        XCTAssertThrowsError(try sample.parseInstanceReference("nope:c1")) {
            XCTAssertEqual($0 as? ConfigError, .unknownRemote("nope"))
            XCTAssertEqual("\($0)", "The remote \"nope\" doesn't exist")
        }
        XCTAssertThrowsError(try sample.parseInstanceReference("tls:")) {
            XCTAssertEqual($0 as? ConfigError, .invalidInstanceName("tls:", reason: "an instance name is required"))
        }
        XCTAssertThrowsError(try sample.parseInstanceReference("")) {
            XCTAssertEqual($0 as? ConfigError, .invalidInstanceName("", reason: "an instance name is required"))
        }
        XCTAssertThrowsError(try sample.parseInstanceReference("c1/snap0")) {
            guard case .invalidInstanceName(_, let why)? = $0 as? ConfigError else { return XCTFail("\($0)") }
            XCTAssertTrue(why.contains("/"))
        }
        XCTAssertThrowsError(try sample.parseInstanceReference("local:a b"))
        XCTAssertThrowsError(try sample.parseInstanceReference(":c1")) {
            XCTAssertEqual($0 as? ConfigError, .unknownRemote(""))
        }
    }

    func testRemoteReferences() throws {
        XCTAssertEqual(try sample.parseRemoteReference("tls:"), "tls")
        XCTAssertEqual(try sample.parseRemoteReference("tls"), "tls")
        XCTAssertEqual(try sample.parseRemoteReference(""), "local")
        XCTAssertThrowsError(try sample.parseRemoteReference("zz:"))
        XCTAssertThrowsError(try sample.parseRemoteReference(":"))
        XCTAssertThrowsError(try sample.parseRemoteReference("tls:c1"))
    }

    // MARK: Resolution

    func testResolveUnixRemotes() throws {
        let e = env(.lxd, ["HOME": "/h", "LXD_DIR": "/d"])
        let local = try sample.resolve(remote: "local", in: e)
        XCTAssertEqual(local.endpoint, .unix(path: "/d/unix.socket"))
        XCTAssertNil(local.clientCertificatePath, "no TLS files for unix sockets")
        XCTAssertNil(local.project)
        XCTAssertEqual(try sample.resolve(remote: "sock", in: e).endpoint, .unix(path: "/run/custom.socket"))
    }

    func testResolveHTTPSRemote() throws {
        let e = env(
            .lxd, ["HOME": "/h"],
            existing: ["/h/.config/lxc", "/h/.config/lxc/servercerts/tls.crt", "/h/.config/lxc/client.ca"])
        let r = try sample.resolve(remote: "tls", in: e)
        XCTAssertEqual(
            r,
            ResolvedRemote(
                name: "tls", endpoint: .https(host: "10.0.0.5", port: 8443, serverName: nil), protocol: .lxd,
                project: "web", clientCertificatePath: "/h/.config/lxc/client.crt",
                clientKeyPath: "/h/.config/lxc/client.key", clientCAPath: "/h/.config/lxc/client.ca",
                pinnedServerCertificatePath: "/h/.config/lxc/servercerts/tls.crt"))
        let named = try sample.resolve(remote: "named", in: e)
        XCTAssertEqual(named.endpoint, .https(host: "lxd.example.org", port: 9443, serverName: "lxd.example.org"))
        XCTAssertNil(named.pinnedServerCertificatePath)
    }

    func testResolveIPv6AndDefaultPort() throws {
        let e = env(.lxd, ["HOME": "/h"])
        XCTAssertEqual(try sample.resolve(remote: "v6", in: e).endpoint, .https(host: "::1", port: 8443, serverName: nil))
        XCTAssertEqual(
            try sample.resolve(remote: "list", in: e).endpoint, .https(host: "a", port: 1, serverName: "a"),
            "Incus address lists use the first")
    }

    func testResolveErrors() {
        let e = env(.lxd, ["HOME": "/h"])
        XCTAssertThrowsError(try sample.resolve(remote: "images", in: e)) {
            XCTAssertEqual($0 as? ConfigError, .unsupportedProtocol(remote: "images", protocol: "simplestreams"))
            XCTAssertEqual(
                "\($0)", "remote \"images\" is a simplestreams image server, not an instance server")
        }
        XCTAssertNoThrow(try sample.resolve(remote: "images", in: e, requireInstanceServer: false))
        XCTAssertThrowsError(try sample.resolve(remote: "bad", in: e)) {
            guard case .invalidRemoteAddress(let name, _, _)? = $0 as? ConfigError else { return XCTFail("\($0)") }
            XCTAssertEqual(name, "bad")
        }
        XCTAssertThrowsError(try sample.resolve(remote: "missing", in: e)) {
            XCTAssertEqual($0 as? ConfigError, .unknownRemote("missing"))
        }
        for addr in ["https://", "https://h:0", "https://h:x", "https://[::1", "https://::1:8443", "unix://rel", "h:8443"] {
            var c = sample
            c[remote: "t"] = Remote(name: "t", addr: addr)
            XCTAssertThrowsError(try c.resolve(remote: "t", in: e), addr)
        }
    }
}
