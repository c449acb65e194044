import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Thread-safe box for values handed back from server threads.
final class Box<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: T
    init(_ v: T) { value = v }
    func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
    func get() -> T { lock.lock(); defer { lock.unlock() }; return value }
    func mutate(_ f: (inout T) -> Void) { lock.lock(); f(&value); lock.unlock() }
}

/// A listening unix socket in a fresh temp path; one accept per `serve` call.
final class UnixTestServer: @unchecked Sendable {
    let path: String
    let listenFD: Int32

    init() throws {
        path = "/tmp/lxattach-http-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        unlink(path)
        listenFD = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in raw.copyBytes(from: bytes); raw[bytes.count] = 0 }
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listenFD, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard r == 0, listen(listenFD, 8) == 0 else { throw POSIXError(.EADDRINUSE) }
    }

    deinit {
        close(listenFD)
        unlink(path)
    }

    /// Accepts one connection on a thread and runs `handler` with a blocking fd; closes it after.
    func serve(_ handler: @escaping @Sendable (Int32) -> Void) -> XCTestExpectation {
        let done = XCTestExpectation(description: "server finished")
        let fd = listenFD
        Thread.detachNewThread {
            let client = accept(fd, nil, nil)
            if client >= 0 {
                handler(client)
                close(client)
            }
            done.fulfill()
        }
        return done
    }
}

/// Reads from a blocking fd until the HTTP head terminator; returns the head text.
func readHead(_ fd: Int32) -> String {
    var data = [UInt8]()
    var byte: UInt8 = 0
    while read(fd, &byte, 1) == 1 {
        data.append(byte)
        if data.count >= 4 && data.suffix(4) == [13, 10, 13, 10] { break }
    }
    return String(decoding: data, as: UTF8.self)
}

func writeString(_ fd: Int32, _ s: String) {
    let bytes = Array(s.utf8)
    writeBytes(fd, bytes)
}

func writeBytes(_ fd: Int32, _ bytes: [UInt8]) {
    var off = 0
    while off < bytes.count {
        let n = bytes[off...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if n <= 0 { return }
        off += n
    }
}

/// Waits at most `timeout` seconds for `process` to end; false if it is still running.
func waitForExit(_ process: Process, timeout: Double) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while process.isRunning, Date() < deadline { usleep(10_000) }
    return !process.isRunning
}

/// A TCP port bound by a socket that never listens: connecting is refused, and no other
/// process can take the port while `fd` is open (close it when done).
func refusingTCPPort() -> (fd: Int32, port: UInt16) {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
            _ = bind(fd, p, len)
            return getsockname(fd, p, &len)
        }
    }
    return (fd, UInt16(bigEndian: addr.sin_port))
}

/// A TCP port that was free a moment ago (for a child process that binds it itself:
/// callers retry when the child finds it taken).
func freeTCPPort() -> UInt16 {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &addr) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { p -> Int32 in
            _ = bind(fd, p, len)
            return getsockname(fd, p, &len)
        }
    }
    return UInt16(bigEndian: addr.sin_port)
}

/// How many descriptors this process has open (entries of /proc/self/fd).
func openDescriptorCount() -> Int {
    guard let dir = opendir("/proc/self/fd") else { return -1 }
    defer { closedir(dir) }
    var count = 0
    while readdir(dir) != nil { count += 1 }
    return count
}
