import Foundation
import LXD
import Logging
import XCTest

/// The library logs through the swift-log `Logger` it is given: the HTTP exchange and an
/// exec's events at `.debug`, every secret redacted before it reaches the handler;
/// nothing above `.debug`, and nothing by default.
final class LibraryLoggingTests: IntegrationTestCase {
    private func run(_ logger: Logger?, remote: String = "local") throws {
        let resolved = try libraryRemote(remote)
        let client = logger.map { LXDClient(remote: resolved, logger: $0) } ?? LXDClient(remote: resolved)
        let request = ExecRequest(command: ["sh", "-c", "exit 4"], environment: [("TOKEN", "hunter2-not-logged")])
        let out = try client.exec(instance: Testbed.c1, request).collect()
        XCTAssertEqual(out.status, 4)
    }

    func testDebugLogHasTheExchangeWithSecretsRedactedOverUnixAndTLS() throws {
        let hex64 = try NSRegularExpression(pattern: "[0-9a-fA-F]{64}")
        for remote in ["local", Testbed.remote] {
            let captured = Captured()
            var logger = Logger(label: "test", factory: { _ in CapturingHandler(captured: captured) })
            logger.logLevel = .debug
            try run(logger, remote: remote)
            let entries = captured.entries
            XCTAssertTrue(entries.allSatisfy { $0.level == .debug }, "\(entries)")
            let text = entries.map(\.message).joined(separator: "\n")
            XCTAssertTrue(text.contains("> POST /1.0/instances/\(Testbed.c1)/exec HTTP/1.1\n"), remote + ": " + text)
            XCTAssertTrue(text.contains("websocket?secret=<redacted>"), remote + ": " + text)
            XCTAssertTrue(text.contains("\"TOKEN\":\"<redacted>\""), remote + ": " + text)
            XCTAssertTrue(text.contains("< operation Success, exit status 4"), remote + ": " + text)
            XCTAssertFalse(text.contains("hunter2"), remote + ": " + text)
            XCTAssertEqual(hex64.numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text)), 0, "a secret leaked: \(text)")
            if remote != "local" { XCTAssertTrue(text.contains("TLS "), text) }
        }
    }

    func testNothingIsLoggedAboveDebug() throws {
        let captured = Captured()
        var logger = Logger(label: "test", factory: { _ in CapturingHandler(captured: captured) })
        logger.logLevel = .info
        try run(logger, remote: Testbed.remote)
        XCTAssertEqual(captured.entries.map(\.message), [])
        // And the default logger drops everything (nothing to capture: it must just work).
        try run(nil)
        XCTAssertEqual(LXDClient(remote: try libraryRemote()).logger.logLevel, .critical)
    }
}

private final class Captured: @unchecked Sendable {
    // Guarded by `lock`: every access goes through `append` or `entries`.
    private let lock = NSLock()
    private var stored: [(level: Logger.Level, message: String)] = []
    func append(_ level: Logger.Level, _ message: String) { lock.lock(); stored.append((level, message)); lock.unlock() }
    var entries: [(level: Logger.Level, message: String)] { lock.lock(); defer { lock.unlock() }; return stored }
}

private struct CapturingHandler: LogHandler {
    let captured: Captured
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { captured.append(event.level, event.message.description) }
}
