// Set-ups overlap, proved without a clock (issue 23): Tests/Fixtures/counting_proxy.py
// holds the daemon's answers (every server byte after a connection's TLS handshake) until
// K connections have opened and sent their ClientHello. A client that opens its sessions'
// connections while the first POST is in flight reaches K and the proxy logs "release";
// one that waits for an answer before opening the next connection never does, and the
// proxy releases after 3 s with "timeout" (and the run then goes on, one step at a time).
import Foundation
import XCTest

final class SetupOverlapTests: IntegrationTestCase {
    /// The connections of one `exec -- true` over HTTPS, non-interactive: the REST
    /// connection (POST, then /wait) and the websockets stdin, stdout, stderr and control.
    private let perSession = 5

    private func run(_ target: String, count: Int, extra: [String] = [],
                     file: StaticString = #filePath, line: UInt = #line) throws -> (CommandResult, OverlapEvents) {
        let proxy = try CountingProxy(count: count)
        let r = try lxattach(["exec"] + extra + [target, "--", "true"], environment: ["LXD_CONF": proxy.conf],
                             timeout: 20, file: file, line: line)
        return (r, OverlapEvents(all: proxy.events))
    }

    /// Control: with K = 1 the first ClientHello releases, whatever the engine: the proxy,
    /// its conf and the exec through it work, so a failure below is about overlap.
    func testTheProxyReleasesAtTheFirstHelloWhenKIsOne() throws {
        let (r, events) = try run("ovl:\(Testbed.c1)", count: 1, extra: ["-T"])
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertFalse(events.timedOut, "\(events)")
        let end = try XCTUnwrap(events.end, "neither release nor timeout: \(events)")
        XCTAssertEqual(events.hellosBefore, 1, "\(events)")
        XCTAssertTrue(end > 0 && events.all[end - 1].hasPrefix("hello "), "release not right after the first hello: \(events)")
        XCTAssertEqual(events.all.filter { $0.hasPrefix("open ") }.count, perSession, "\(events)")
    }

    /// A single exec opens its websocket connections, and begins their handshakes, while
    /// the POST is in flight: all 5 connections open and say hello before the POST's
    /// answer is let through.
    func testSingleExecOpensItsWebsocketsBeforeThePOSTAnswer() throws {
        let (r, events) = try run("ovl:\(Testbed.c1)", count: perSession, extra: ["-T"])
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertFalse(events.timedOut,
                       "the proxy held the answers 3 s and gave up: lxattach waited for the POST's answer before "
                       + "opening its websocket connections (events: \(events))")
        XCTAssertNotNil(events.end, "neither release nor timeout: \(events)")
        XCTAssertGreaterThanOrEqual(events.opensBefore, perSession, "connections opened before the release")
        XCTAssertGreaterThanOrEqual(events.hellosBefore, perSession, "ClientHellos before the release")
    }

    /// A fan-out of 5 opens every session's 5 connections, and begins their handshakes,
    /// before the first POST answer is let through: the set-ups run side by side.
    func testFanOutOpensEverySessionsConnectionsBeforeTheFirstAnswer() throws {
        let sessions = 5
        let count = sessions * perSession
        let (r, events) = try run("ovl:lxa-f[01-05]", count: count)
        XCTAssertEqual(r.status, 0, "\(r)")
        XCTAssertEqual(r.stderrText, "", "\(r)")
        XCTAssertFalse(events.timedOut,
                       "the proxy held the answers 3 s and gave up after \(events.opensBefore) connections and "
                       + "\(events.hellosBefore) ClientHellos of \(count): the set-ups ran one after another "
                       + "(events: \(events))")
        XCTAssertNotNil(events.end, "neither release nor timeout: \(events)")
        XCTAssertGreaterThanOrEqual(events.opensBefore, count, "connections opened before the release")
        XCTAssertGreaterThanOrEqual(events.hellosBefore, count, "ClientHellos before the release")
    }
}
