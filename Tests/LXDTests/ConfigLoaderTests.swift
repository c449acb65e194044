import Foundation
import LXD
import XCTest

final class ConfigLoaderTests: XCTestCase {
    var root = ""
    var confDir: String { root + "/conf" }
    var cacheDir: String { root + "/cache/lxattach" }
    var configPath: String { confDir + "/config.yml" }

    /// `lxattach-config` is built into the same directory as the test bundle.
    static var readerPath: String {
        let argv0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = argv0.deletingLastPathComponent()
        // On Darwin-style bundles the executable sits inside X.xctest/Contents/MacOS.
        while dir.path.contains(".xctest") { dir = dir.deletingLastPathComponent() }
        return dir.appendingPathComponent("lxattach-config").path
    }

    override func setUpWithError() throws {
        root = NSTemporaryDirectory() + "lxattach-loader-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: confDir, withIntermediateDirectories: true)
        XCTAssertTrue(
            FileManager.default.isExecutableFile(atPath: Self.readerPath),
            "lxattach-config must be built next to the tests: \(Self.readerPath)")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    func loader(reader: String? = nil, extra: [String: String] = [:]) -> ConfigLoader {
        var vars = [
            "HOME": root, "LXD_CONF": confDir, "XDG_CACHE_HOME": root + "/cache",
            "LXATTACH_CONFIG_READER": reader ?? Self.readerPath,
        ]
        vars.merge(extra) { $1 }
        return ConfigLoader(
            environment: ClientEnvironment(flavor: .lxd, variables: vars, fileExists: { FileManager.default.fileExists(atPath: $0) }))
    }

    func write(_ text: String, to path: String? = nil) throws {
        try text.write(toFile: path ?? configPath, atomically: true, encoding: .utf8)
    }

    func cacheFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: cacheDir)) ?? []).sorted()
    }

    let sampleYAML = """
        default-remote: prod
        remotes:
          images: {addr: "https://images.linuxcontainers.org", protocol: simplestreams, public: true}
          prod: {addr: "https://10.0.0.5:8443", protocol: lxd, auth_type: tls, public: false, project: web}
        aliases: {}
        """

    func testNoFileGivesDefaults() throws {
        let loaded = try loader().load()
        XCTAssertEqual(loaded.source, .defaults)
        XCTAssertEqual(loaded.path, configPath)
        XCTAssertEqual(loaded.config, LXCConfig.defaults(flavor: .lxd))
        XCTAssertEqual(cacheFiles(), [])
    }

    func testMissThenHitThroughRealReader() throws {
        try write(sampleYAML)
        let first = try loader().load()
        XCTAssertEqual(first.source, .reader)
        XCTAssertEqual(first.config.defaultRemote, "prod")
        XCTAssertEqual(first.config[remote: "prod"]?.project, "web")
        XCTAssertEqual(first.config[remote: "prod"]?.authType, "tls")
        XCTAssertNotNil(first.config[remote: "local"], "static remote added")
        XCTAssertNotNil(first.config[remote: "ubuntu"])

        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: configPath)))
        let name = "config-\(ConfigLoader.contentHash(bytes)).json"
        XCTAssertEqual(cacheFiles(), [name])
        let attrs = try FileManager.default.attributesOfItem(atPath: cacheDir + "/" + name)
        XCTAssertEqual((attrs[.posixPermissions] as? NSNumber)?.intValue, 0o600)

        let second = try loader().load()
        XCTAssertEqual(second.source, .cache)
        XCTAssertEqual(second.config, first.config)

        // A reader that always fails proves the third load does not run it.
        let third = try loader(reader: "/nonexistent/reader").load()
        XCTAssertEqual(third.source, .cache)
    }

    func testChangedFileMissesTheCache() throws {
        try write(sampleYAML)
        _ = try loader().load()
        try write(sampleYAML.replacingOccurrences(of: "project: web", with: "project: api"))
        let loaded = try loader().load()
        XCTAssertEqual(loaded.source, .reader)
        XCTAssertEqual(loaded.config[remote: "prod"]?.project, "api")
        XCTAssertEqual(cacheFiles().count, 2)
    }

    func testOldCacheEntriesArePruned() throws {
        try FileManager.default.createDirectory(atPath: cacheDir, withIntermediateDirectories: true)
        let old = Date(timeIntervalSinceNow: -3600)
        for i in 0..<(ConfigLoader.cacheEntriesKept + 8) {
            let path = cacheDir + "/config-\(String(format: "%016x", i)).json"
            try "{}".write(toFile: path, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.modificationDate: old.addingTimeInterval(Double(i))], ofItemAtPath: path)
        }
        try "unrelated".write(toFile: cacheDir + "/notes.txt", atomically: true, encoding: .utf8)
        try write(sampleYAML)
        XCTAssertEqual(try loader().load().source, .reader)
        let files = cacheFiles()
        XCTAssertEqual(files.filter { $0.hasPrefix("config-") }.count, ConfigLoader.cacheEntriesKept)
        XCTAssertTrue(files.contains("notes.txt"), "only cache entries are pruned")
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: configPath)))
        XCTAssertTrue(files.contains("config-\(ConfigLoader.contentHash(bytes)).json"), "the new entry stays")
        XCTAssertFalse(files.contains("config-0000000000000000.json"), "the oldest goes")
    }

    func testMalformedFileIsATypedError() throws {
        try write("remotes:\n  a: {addr: x\n  b: 1\n")
        XCTAssertThrowsError(try loader().load()) {
            guard case .cannotRead(let path, let reason)? = $0 as? ConfigError else { return XCTFail("\($0)") }
            XCTAssertEqual(path, self.configPath)
            XCTAssertTrue(reason.hasPrefix("line 3: "), reason)
            XCTAssertEqual("\($0)", "cannot read \(self.configPath): \(reason)")
        }
        XCTAssertEqual(cacheFiles(), [], "errors are not cached")
    }

    func testWrongTypeIsATypedError() throws {
        try write("remotes:\n  r: {public: maybe}\n")
        XCTAssertThrowsError(try loader().load()) {
            XCTAssertEqual(
                $0 as? ConfigError,
                .cannotRead(path: self.configPath, reason: "line 2: remotes.r.public: expected true or false"))
        }
    }

    func testCorruptCacheFallsBackToReader() throws {
        try write(sampleYAML)
        _ = try loader().load()
        let cached = cacheDir + "/" + cacheFiles()[0]
        try write("{not json", to: cached)
        let loaded = try loader().load()
        XCTAssertEqual(loaded.source, .reader)
        XCTAssertEqual(loaded.config.defaultRemote, "prod")
        XCTAssertEqual(try loader().load().source, .cache, "rewritten")
    }

    func testUnwritableCacheIsIgnored() throws {
        try write(sampleYAML)
        // The cache "directory" is a file: writing the cache fails, loading still works.
        try FileManager.default.createDirectory(atPath: root + "/cache", withIntermediateDirectories: true)
        try write("x", to: cacheDir)
        XCTAssertEqual(try loader().load().source, .reader)
        XCTAssertEqual(try loader().load().source, .reader)
    }

    func testMissingReader() throws {
        try write(sampleYAML)
        XCTAssertThrowsError(try loader(reader: root + "/no-such-reader").load()) {
            guard case .readerFailed(let path, _)? = $0 as? ConfigError else { return XCTFail("\($0)") }
            XCTAssertEqual(path, self.root + "/no-such-reader")
        }
    }

    func testHangingReaderTimesOut() throws {
        try write(sampleYAML)
        let script = root + "/hang.sh"
        try write("#!/bin/sh\nexec sleep 30\n", to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        var l = loader(reader: script)
        l.timeoutMilliseconds = 300
        // The timeout path, by its error (a reader waited for to its end would fail otherwise).
        XCTAssertThrowsError(try l.load()) {
            XCTAssertEqual($0 as? ConfigError, .readerFailed(path: script, reason: "timed out after 300 ms"))
        }
    }

    /// Signals (handlers without SA_RESTART, as lxattach installs them) interrupt the
    /// wait for the reader, its reads and the wait for its exit: none of it is lost.
    func testSignalsWhileTheReaderRunsLoseNothing() throws {
        try write(sampleYAML)
        let script = root + "/slow.sh"
        try write("#!/bin/sh\nsleep 0.3\nexec '\(Self.readerPath)' \"$@\"\n", to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        var handler = sigaction()
        handler.__sigaction_handler.sa_handler = { _ in }
        var old = sigaction()
        sigaction(SIGUSR1, &handler, &old)
        defer { sigaction(SIGUSR1, &old, nil) }
        let target = pthread_self()
        let done = Atomic(false)
        let sent = Atomic(0)
        let thread = Thread {
            while !done.load() {
                pthread_kill(target, SIGUSR1)
                sent.add(1)
                usleep(2000)
            }
        }
        thread.start()
        let loaded = Result { try loader(reader: script).load() }
        done.store(true)
        let result = try loaded.get()
        XCTAssertEqual(result.source, .reader)
        XCTAssertEqual(result.config.defaultRemote, "prod")
        XCTAssertEqual(cacheFiles().count, 1, "the cache was written")
        XCTAssertGreaterThan(sent.load(), 20, "signals were sent while the reader ran")
    }

    func testReaderWithGarbageOutput() throws {
        try write(sampleYAML)
        let script = root + "/garbage.sh"
        try write("#!/bin/sh\necho '{\"format\":1}'\n", to: script)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: script)
        XCTAssertThrowsError(try loader(reader: script).load()) {
            XCTAssertEqual($0 as? ConfigError, .readerFailed(path: script, reason: "unexpected output shape"))
        }
    }

    func testEnvironmentDefaultRemoteAppliesToCachedConfig() throws {
        try write(sampleYAML)
        _ = try loader().load()
        let loaded = try loader(extra: ["LXC_REMOTE": "local"]).load()
        XCTAssertEqual(loaded.source, .cache)
        XCTAssertEqual(loaded.config.defaultRemote, "local")
    }

    func testContentHash() {
        let a = ConfigLoader.contentHash(Array("a".utf8))
        XCTAssertEqual(a.count, 16)
        XCTAssertEqual(a, ConfigLoader.contentHash(Array("a".utf8)))
        XCTAssertNotEqual(a, ConfigLoader.contentHash(Array("b".utf8)))
        XCTAssertNotEqual(ConfigLoader.contentHash([]), ConfigLoader.contentHash([0]))
    }

    /// Cache files already on disk keep their names: FNV-1a 64 of "lxattach-config/1\n" and
    /// the bytes (values computed apart from this code).
    func testContentHashIsStable() {
        XCTAssertEqual(ConfigLoader.contentHash(Array("a".utf8)), "eeb57cfe7ee882d4")
        XCTAssertEqual(ConfigLoader.contentHash([]), "7260c90cf1943fbd")
    }
}

/// A locked value shared with the signalling thread.
private final class Atomic<T>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ value: T) { self.value = value }
    func load() -> T { lock.withLock { value } }
    func store(_ v: T) { lock.withLock { value = v } }
}

extension Atomic where T == Int {
    func add(_ n: Int) { lock.withLock { value += n } }
}
