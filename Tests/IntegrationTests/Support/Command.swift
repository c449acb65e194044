// Runs a child process for the integration tests: arguments, environment
// overrides, stdin bytes or a file, and a hard timeout. Never hangs: on timeout
// the child's whole process group is killed (SIGKILL) and the test fails.
import Foundation
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// What the child reads on its standard input.
enum CommandInput: Sendable {
    /// `/dev/null` (the default: a test never reads the terminal).
    case null
    /// These bytes, then end of file.
    case bytes([UInt8])
    /// The contents of this file (opened read-only as fd 0).
    case file(String)

    static func text(_ s: String) -> CommandInput { .bytes(Array(s.utf8)) }
}

/// How a child ended and what it printed.
struct CommandResult: Sendable, CustomStringConvertible {
    /// The command line, for messages.
    var command: [String]
    /// The exit status when the child exited normally, else nil.
    var status: Int32?
    /// The signal that killed the child, else nil.
    var signal: Int32?
    var stdout: [UInt8]
    var stderr: [UInt8]
    /// True when the hard timeout fired and the process group was killed.
    var timedOut: Bool
    /// Wall time from spawn to the end of output and exit, in seconds.
    var seconds: Double
    /// Said in `description` (a reference run again: see `reference`).
    var note: String?

    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }

    /// The shell's view of the status: the exit code, or 128 + signal.
    var shellStatus: Int32 { status ?? (128 + (signal ?? 0)) }

    var description: String {
        let how = timedOut ? "timed out" : status.map { "exit \($0)" } ?? "signal \(signal ?? 0)"
        func clip(_ s: String) -> String { s.count > 600 ? String(s.prefix(600)) + "…" : s }
        return "`\(command.joined(separator: " "))`: \(how) after \(String(format: "%.2f", seconds)) s; "
            + "stdout \(stdout.count) B \(clip(stdoutText).debugDescription); "
            + "stderr \(stderr.count) B \(clip(stderrText).debugDescription)"
            + (note.map { "; " + $0 } ?? "")
    }
}

enum HarnessError: Error, CustomStringConvertible {
    case notFound(String)
    case spawn(String, Int32)
    case io(String, Int32)

    var description: String {
        switch self {
        case .notFound(let what): return "not found: \(what)"
        case .spawn(let path, let err): return "cannot start \(path): \(String(cString: strerror(err)))"
        case .io(let what, let err): return "\(what): \(String(cString: strerror(err)))"
        }
    }
}

/// HOME and XDG_CACHE_HOME of every child: one fresh folder per test run, so nothing
/// writes into the real ~/.cache/lxattach (config cache) or reads the real ~/.config.
/// A test's own `environment` overrides them.
enum IsolatedHome {
    static let directory: String = {
        let dir = NSTemporaryDirectory() + "lxattach-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: dir + "/cache", withIntermediateDirectories: true)
        return dir
    }()
    static var variables: [String: String] { ["HOME": directory, "XDG_CACHE_HOME": directory + "/cache"] }
}

/// Runs `body` with `changes` applied to this process's environment (nil unsets), then
/// puts every variable back as it was, whatever `body` did.
func withEnvironment<T>(_ changes: [String: String?], _ body: () throws -> T) rethrows -> T {
    // An array, not a dictionary: `saved[name] = nil` would drop an unset variable's entry.
    var saved: [(String, String?)] = []
    for (name, value) in changes {
        saved.append((name, getenv(name).map { String(cString: $0) }))
        if let value { setenv(name, value, 1) } else { unsetenv(name) }
    }
    defer {
        for (name, value) in saved {
            if let value { setenv(name, value, 1) } else { unsetenv(name) }
        }
    }
    return try body()
}

/// A write to a pipe whose reader has gone must be an EPIPE error, not a
/// process-killing SIGPIPE. (Children get the default disposition back.)
private let ignoreSIGPIPE: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

/// glibc's posix_spawn_file_actions_addchdir_np (2.29+) is not imported into
/// Swift without _GNU_SOURCE, so it is looked up at run time.
private typealias AddChdir = @convention(c) (
    UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>
) -> Int32
private let spawnAddChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np")
    .map { unsafeBitCast($0, to: AddChdir.self) }

private func monotonic() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Resolves a bare name through PATH (of the child's environment).
private func resolve(_ executable: String, path: String?) throws -> String {
    if executable.contains("/") { return executable }
    for dir in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
        let candidate = "\(dir)/\(executable)"
        if access(candidate, X_OK) == 0 { return candidate }
    }
    throw HarnessError.notFound("\(executable) in PATH")
}

/// Runs `executable` (a path, or a name looked up in PATH) with `arguments`.
///
/// - environment: overrides of this process's environment; a nil value removes
///   the variable.
/// - stdin: `.null`, `.bytes`, `.text` or `.file`.
/// - timeout: hard limit in seconds. When it fires, the child's process group
///   (the child is a group leader) gets SIGKILL, remaining output is drained for
///   at most a second, and the test fails unless `failOnTimeout` is false.
/// - directory: the child's working directory (default: this process's).
///
private let spawnLock = NSLock()

/// Throws only when the child cannot be started at all.
@discardableResult
func runCommand(
    _ executable: String,
    _ arguments: [String] = [],
    environment: [String: String?] = [:],
    stdin: CommandInput = .null,
    timeout: Double = 60,
    directory: String? = nil,
    failOnTimeout: Bool = true,
    file: StaticString = #filePath,
    line: UInt = #line
) throws -> CommandResult {
    _ = ignoreSIGPIPE
    var env = ProcessInfo.processInfo.environment
    for (key, value) in IsolatedHome.variables { env[key] = value }
    // Scripts/sanitize turns off the test process's own leak check (XCTest's object graph
    // hides from LeakSanitizer) and gives the binaries under test theirs back.
    if let options = env["LXATTACH_CHILD_ASAN_OPTIONS"] { env["ASAN_OPTIONS"] = options }
    for (key, value) in environment { env[key] = value }
    let path = try resolve(executable, path: env["PATH"])
    let command = [executable] + arguments

    // Pipes: close-on-exec everywhere, the child's ends are dup2'ed to 0/1/2. pipe() and
    // the FD_CLOEXEC that follows are not atomic, so pipe creation and the spawn hold one
    // lock: a sibling test's spawn can't inherit our pipe ends in between.
    spawnLock.lock()
    var spawnLocked = true
    defer { if spawnLocked { spawnLock.unlock() } }
    func makePipe() throws -> (r: Int32, w: Int32) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw HarnessError.io("pipe", errno) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }
    let out = try makePipe()
    let err = try makePipe()
    var input: (r: Int32, w: Int32)? = nil
    var inputFD: Int32 = -1
    switch stdin {
    case .null:
        inputFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
    case .file(let name):
        inputFD = open(name, O_RDONLY | O_CLOEXEC)
        guard inputFD >= 0 else { throw HarnessError.io("open \(name)", errno) }
    case .bytes:
        input = try makePipe()
        inputFD = input!.r
    }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, inputFD, 0)
    posix_spawn_file_actions_adddup2(&actions, out.w, 1)
    posix_spawn_file_actions_adddup2(&actions, err.w, 2)
    if let directory {
        guard let addchdir = spawnAddChdir else { throw HarnessError.notFound("posix_spawn_file_actions_addchdir_np") }
        _ = addchdir(&actions, directory)
    }

    // Own process group (so a timeout kills grandchildren too), default signal
    // dispositions and an empty signal mask whatever the test runner has.
    var attr = posix_spawnattr_t()
    posix_spawnattr_init(&attr)
    defer { posix_spawnattr_destroy(&attr) }
    var all = sigset_t()
    sigfillset(&all)
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigdefault(&attr, &all)
    posix_spawnattr_setsigmask(&attr, &none)
    posix_spawnattr_setpgroup(&attr, 0)
    posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        argv.forEach { free($0) }
        envp.forEach { free($0) }
    }
    let start = monotonic()
    var pid: pid_t = 0
    let rc = posix_spawn(&pid, path, &actions, &attr, argv, envp)
    spawnLock.unlock()
    spawnLocked = false
    // The parent's copies of the child's ends.
    close(out.w)
    close(err.w)
    close(inputFD)
    guard rc == 0 else {
        close(out.r)
        close(err.r)
        if let input { close(input.w) }
        throw HarnessError.spawn(path, rc)
    }

    // Pump: stdin bytes in, stdout/stderr out, until both outputs end and the
    // child is reaped, or the deadline passes.
    var stdinBytes: [UInt8] = []
    if case .bytes(let b) = stdin { stdinBytes = b }
    var stdinOffset = 0
    var stdinFD: Int32 = input?.w ?? -1
    if stdinFD >= 0 {
        _ = fcntl(stdinFD, F_SETFL, fcntl(stdinFD, F_GETFL) | O_NONBLOCK)
        if stdinBytes.isEmpty { close(stdinFD); stdinFD = -1 }
    }
    var outFD = out.r, errFD = err.r
    var stdoutData: [UInt8] = [], stderrData: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    var waitStatus: Int32 = 0
    var reaped = false
    var timedOut = false
    var deadline = start + timeout

    func drain(_ fd: inout Int32, into data: inout [UInt8]) {
        let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n > 0 {
            data.append(contentsOf: buffer[0..<n])
        } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
            close(fd)
            fd = -1
        }
    }

    while outFD >= 0 || errFD >= 0 || !reaped {
        if !reaped {
            let r = waitpid(pid, &waitStatus, WNOHANG)
            if r == pid { reaped = true; continue }
        }
        let now = monotonic()
        if now >= deadline {
            if timedOut { break }  // the grace after the kill is over too
            timedOut = true
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
            deadline = now + 1.0
            continue
        }
        var fds: [pollfd] = []
        if outFD >= 0 { fds.append(pollfd(fd: outFD, events: Int16(POLLIN), revents: 0)) }
        if errFD >= 0 { fds.append(pollfd(fd: errFD, events: Int16(POLLIN), revents: 0)) }
        if stdinFD >= 0 { fds.append(pollfd(fd: stdinFD, events: Int16(POLLOUT), revents: 0)) }
        // Outputs closed but child not reaped yet: poll briefly, then waitpid again.
        let wait = fds.isEmpty || (outFD < 0 && errFD < 0) ? 0.005 : 0.05
        let ms = Int32(max(0, min(deadline - now, wait)) * 1000) + 1
        let n = poll(&fds, nfds_t(fds.count), ms)
        if n <= 0 { continue }
        for p in fds where p.revents != 0 {
            if p.fd == outFD {
                drain(&outFD, into: &stdoutData)
            } else if p.fd == errFD {
                drain(&errFD, into: &stderrData)
            } else if p.fd == stdinFD {
                let w = stdinBytes.withUnsafeBytes {
                    write(stdinFD, $0.baseAddress! + stdinOffset, $0.count - stdinOffset)
                }
                if w > 0 { stdinOffset += w }
                if stdinOffset == stdinBytes.count || (w < 0 && errno != EAGAIN && errno != EINTR) {
                    close(stdinFD)
                    stdinFD = -1
                }
            }
        }
    }
    if stdinFD >= 0 { close(stdinFD) }
    if outFD >= 0 { close(outFD) }
    if errFD >= 0 { close(errFD) }
    if !reaped {
        // Killed but somehow not gone within the grace: one last blocking wait
        // would risk a hang, so wait a bounded time only.
        for _ in 0..<200 where !reaped {
            if waitpid(pid, &waitStatus, WNOHANG) == pid { reaped = true } else { usleep(10_000) }
        }
    }

    // WIFEXITED / WTERMSIG by hand (the C macros are not imported).
    var result = CommandResult(
        command: command, status: nil, signal: nil, stdout: stdoutData, stderr: stderrData,
        timedOut: timedOut, seconds: monotonic() - start)
    if reaped {
        let sig = waitStatus & 0x7f
        if sig == 0 { result.status = (waitStatus >> 8) & 0xff } else if sig != 0x7f { result.signal = sig }
    }
    if timedOut && failOnTimeout {
        XCTFail("timed out after \(timeout) s and killed: \(result)", file: file, line: line)
    }
    return result
}
