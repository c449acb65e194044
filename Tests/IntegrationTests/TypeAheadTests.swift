// Keys typed while `lxattach exec -t` starts (type-ahead, or an expect-style driver's
// first line) must reach the remote command: raw mode is entered without discarding
// pending input, in a real terminal (tmux) against the real daemon.
import Foundation
import XCTest

final class TypeAheadTests: IntegrationTestCase {
    func testKeysTypedBeforeRawModeReachTheRemoteCommand() throws {
        let tmux = try TmuxSession()
        defer { tmux.close() }
        let d = tmux.directory
        // lxattach starts only once the test has typed its line into the terminal.
        let hold = "echo w > \(d)/waiting; while [ ! -e \(d)/go ]; do sleep 0.02; done"
        let run = try WrappedRun(tmux, ["exec", "-t", Testbed.c1, "--", "tr", "a-z", "A-Z"],
                                 setup: "export LXD_CONF=\(shellQuote(Testbed.conf)); \(hold)")
        tmux.waitForFile("waiting")
        try tmux.type("typed ahead")
        // The local line discipline (still cooked) echoed it: the bytes are queued.
        tmux.waitForLine("typed ahead")
        XCTAssertTrue(FileManager.default.createFile(atPath: tmux.path("go"), contents: Data()))
        _ = try run.pid()
        tmux.waitForLine("TYPED AHEAD", timeout: 15)
        try tmux.keys("C-d")
        XCTAssertEqual(run.waitForExit(), 0, tmux.capture())
        XCTAssertEqual(run.stderr, "")
        run.assertTerminalRestored()
    }
}
