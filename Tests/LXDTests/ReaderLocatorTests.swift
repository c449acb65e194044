import JSON
import XCTest

@testable import LXD

/// Where lxattach-config is looked for (no daemon, no files).
final class ReaderLocatorTests: XCTestCase {
    func testBesideTheRealPathThenPATH() {
        let exists: Set<String> = ["/opt/lxa/lxattach-config", "/usr/bin/lxattach-config"]
        var locator = ReaderLocator(variables: ["PATH": "/usr/local/bin:/usr/bin"], executablePath: "/opt/lxa/lxattach",
                                    isExecutable: { exists.contains($0) })
        XCTAssertEqual(locator.locate(), "/opt/lxa/lxattach-config")
        locator.executablePath = "/home/me/bin/lxattach"
        XCTAssertEqual(locator.locate(), "/usr/bin/lxattach-config")
        XCTAssertEqual(locator.candidates, ["/home/me/bin/lxattach-config", "/usr/local/bin/lxattach-config", "/usr/bin/lxattach-config"])
    }

    func testTheVariableWinsAndMissingIsExplained() {
        let none = ReaderLocator(variables: ["PATH": "/usr/bin"], executablePath: "/x/lxattach", isExecutable: { _ in false })
        XCTAssertNil(none.locate())
        let message = none.missingError.description
        XCTAssertTrue(message.contains("/x/lxattach-config"), message)
        XCTAssertTrue(message.contains("PATH"), message)
        XCTAssertTrue(message.contains("LXATTACH_CONFIG_READER"), message)
        XCTAssertFalse(message.contains("\n"))
        let set = ReaderLocator(variables: ["LXATTACH_CONFIG_READER": "/r"], executablePath: "/x/lxattach", isExecutable: { _ in false })
        XCTAssertEqual(set.locate(), "/r")
    }
}
