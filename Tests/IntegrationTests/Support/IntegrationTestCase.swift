// The base class of every integration test class: before the class runs, the daemon
// watchdog checks that the test bed's daemons are alive and brings back a dead one
// (DaemonWatchdog.swift). swift-corelibs-xctest has no bundle principal class to register
// an observer before the first class, so the hook is this class-level setUp.
import XCTest

class IntegrationTestCase: XCTestCase {
    override class func setUp() {
        super.setUp()
        DaemonWatchdog.shared.beforeClass(String(describing: self))
    }
}
