// The test bed's console instance (busybox init, `askfirst` on the console) asks for
// Enter before it starts a shell, and LXD 5.0.2 forwards console input only a moment
// after the websockets attach (keys sent at once are dropped by the daemon).
import Foundation
import XCTest

extension TmuxSession {
    /// Presses Enter (every 250 ms, up to 30 times) until the console's shell prompt
    /// `/ #` shows; fails the test when it never does.
    func pressEnterUntilConsolePrompt(file: StaticString = #filePath, line: UInt = #line) throws {
        var prompted = false
        for _ in 0..<30 where !prompted {
            try keys("Enter")
            usleep(250_000)
            prompted = lines().contains { $0.hasPrefix("/ #") }
        }
        XCTAssertTrue(prompted, "no console shell: \(capture())", file: file, line: line)
    }
}
