#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import JSON
import Transport

/// Loads the client configuration without linking a YAML parser.
///
/// YAML is read by the separate `lxattach-config` executable (Yams, which drags in
/// Foundation and ICU: ~5 MiB of RSS we do not want in `lxattach`). Its normalized JSON
/// output is cached under `$XDG_CACHE_HOME/lxattach/` (else `$HOME/.cache/lxattach/`) as
/// `config-<hash>.json`, where the hash is FNV-1a 64 over a format tag and config.yml's bytes:
/// a changed file has a different name, so a stale cache cannot be read. So:
/// - no config.yml: built-in defaults, nothing run;
/// - cache hit: one small file read and JSON parse;
/// - miss: `posix_spawn` the reader (next to the running executable, or
///   `$LXATTACH_CONFIG_READER`, else in `$PATH`), read its stdout/stderr with a timeout, then write the cache
///   atomically (temp file + rename, mode 0600; failures to write it are ignored).
public struct ConfigLoader: Sendable {
    /// Where a loaded configuration came from.
    public enum Source: Equatable, Sendable {
        /// No config.yml (or no config directory): lxc's defaults.
        case defaults
        /// The cached JSON for this exact file content.
        case cache
        /// The reader executable (the cache was then written, if possible).
        case reader
    }

    /// What `load()` found.
    public struct Loaded: Equatable, Sendable {
        /// The effective configuration: file contents, built-in remotes, `$LXC_REMOTE`.
        public var config: LXCConfig
        /// config.yml's path (whether or not it exists); nil without a config directory.
        public var path: String?
        /// Whether the cache or the reader supplied it.
        public var source: Source
    }

    /// The flavor, variables and file test that locate the config.
    public var environment: ClientEnvironment
    /// The reader executable; nil means `$LXATTACH_CONFIG_READER`, else `lxattach-config` in
    /// the directory of `/proc/self/exe`, else in `$PATH` (see `ReaderLocator`).
    public var readerPath: String?
    /// The cache directory; nil means `environment.cacheDirectory`.
    public var cacheDirectory: String?
    /// Longest wait for the reader before it is killed.
    public var timeoutMilliseconds: Int = 10_000
    /// Largest output accepted from the reader.
    public var maxReaderOutput: Int = 4 << 20

    /// A loader for `environment`'s config directory.
    public init(environment: ClientEnvironment) {
        self.environment = environment
    }

    /// Reads config.yml (see the type's documentation) and returns the effective config.
    public func load() throws(ConfigError) -> Loaded {
        let flavor = environment.flavor
        guard let path = environment.configFilePath else {
            return Loaded(
                config: LXCConfig.defaults(flavor: flavor).applyingEnvironment(environment),
                path: nil, source: .defaults)
        }
        guard let (fileConfig, source) = try loadFile(at: path) else {
            return Loaded(
                config: LXCConfig.defaults(flavor: flavor).applyingEnvironment(environment),
                path: path, source: .defaults)
        }
        let config = fileConfig.withBuiltinRemotes(flavor: flavor, fileExisted: true)
            .applyingEnvironment(environment)
        return Loaded(config: config, path: path, source: source)
    }

    /// What the file at `path` says (no built-ins), or nil if there is no such file.
    public func loadFile(at path: String) throws(ConfigError) -> (LXCConfig, Source)? {
        guard let bytes = try ConfigLoader.readFile(path) else { return nil }
        let hash = ConfigLoader.contentHash(bytes)
        let cacheDir = cacheDirectory ?? environment.cacheDirectory
        let cacheFile = cacheDir.map { ConfigPath.join($0, "config-\(hash).json") }
        if let cacheFile, let cached = try? ConfigLoader.readFile(cacheFile),
            let json = try? JSONValue.parse(cached), let config = LXCConfig(json: json)
        {
            return (config, .cache)
        }
        let config = try runReader(on: path)
        // Cache only if the file still has the content we hashed (it may have changed while
        // the reader ran).
        if let cacheDir, let cacheFile,
            let again = try? ConfigLoader.readFile(path), ConfigLoader.contentHash(again) == hash
        {
            if ConfigLoader.writeAtomically(config.json.serializedBytes(), to: cacheFile, directory: cacheDir) {
                ConfigLoader.pruneCache(cacheDir, keep: ConfigLoader.cacheEntriesKept)
            }
        }
        return (config, .reader)
    }

    // MARK: Hash

    /// 16 hex digits of FNV-1a 64 over `lxattach-config/<format>\n` and the bytes.
    public static func contentHash(_ bytes: [UInt8]) -> String {
        var h = FNV1a64()
        h.mix("lxattach-config/\(LXCConfig.jsonFormatVersion)\n".utf8)
        h.mix(bytes)
        return h.hex
    }

    // MARK: Reader process

    /// The reader executable this loader would run, or nil when there is none.
    public var resolvedReaderPath: String? {
        if let readerPath { return readerPath }
        return locator.locate()
    }

    var locator: ReaderLocator {
        ReaderLocator(variables: environment.variables, executablePath: ConfigLoader.currentExecutablePath())
    }

    static func currentExecutablePath() -> String? {
        var buf = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buf, buf.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buf[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Runs the reader on `path` and decodes its JSON.
    func runReader(on path: String) throws(ConfigError) -> LXCConfig {
        guard let reader = resolvedReaderPath else { throw locator.missingError }
        let (status, out, err) = try ConfigLoader.spawnAndCollect(
            reader, arguments: [path], timeoutMilliseconds: timeoutMilliseconds, maxOutput: maxReaderOutput)
        if status != 0 {
            var message = String(decoding: err, as: UTF8.self)
            while message.last == "\n" || message.last == "\r" { message.removeLast() }
            if let nl = message.lastIndex(of: "\n") { message = String(message[message.index(after: nl)...]) }
            if message.hasPrefix("Error: ") { message.removeFirst(7) }
            if status == 1 && !message.isEmpty {
                throw ConfigError.cannotRead(path: path, reason: message)
            }
            let why = status > 255 ? "killed by signal \(status - 256)" : "exit status \(status)"
            throw ConfigError.readerFailed(
                path: reader, reason: message.isEmpty ? why : "\(why): \(message)")
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse(out)
        } catch {
            throw ConfigError.readerFailed(path: reader, reason: "unreadable output: \(error)")
        }
        guard let config = LXCConfig(json: json) else {
            throw ConfigError.readerFailed(path: reader, reason: "unexpected output shape")
        }
        return config
    }

    /// posix_spawn `executable arguments…` with stdin `/dev/null`, an empty environment and an
    /// empty signal mask; collects stdout and stderr until both close, within the timeout.
    /// Status: the exit code, or 256 + signal number.
    static func spawnAndCollect(
        _ executable: String, arguments: [String], timeoutMilliseconds: Int, maxOutput: Int
    ) throws(ConfigError) -> (status: Int, stdout: [UInt8], stderr: [UInt8]) {
        func fail(_ why: String) -> ConfigError { .readerFailed(path: executable, reason: why) }
        func errnoText(_ e: Int32) -> String { String(cString: strerror(e)) }

        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        // pipe2(O_CLOEXEC) is not visible from Swift's Glibc; the library is single-threaded,
        // so setting FD_CLOEXEC right after pipe() leaves no window for a concurrent exec.
        func cloexecPipe(_ p: inout [Int32]) -> Bool {
            guard pipe(&p) == 0 else { return false }
            _ = fcntl(p[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(p[1], F_SETFD, FD_CLOEXEC)
            return true
        }
        guard cloexecPipe(&outPipe) else { throw fail("pipe: \(errnoText(errno))") }
        guard cloexecPipe(&errPipe) else {
            let e = errno
            close(outPipe[0]); close(outPipe[1])
            throw fail("pipe: \(errnoText(e))")
        }
        var readEnds = [outPipe[0], errPipe[0]]
        defer { for fd in readEnds where fd >= 0 { close(fd) } }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attr, &mask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGPIPE)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for p in argv { free(p) } }
        let envp: [UnsafeMutablePointer<CChar>?] = [nil]
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attr, argv, envp)
        close(outPipe[1])
        close(errPipe[1])
        guard rc == 0 else { throw fail(errnoText(rc)) }

        var out: [UInt8] = []
        var err: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 16384)
        let deadline = monotonicMilliseconds() + timeoutMilliseconds
        var failure: ConfigError?
        while readEnds[0] >= 0 || readEnds[1] >= 0 {
            let remaining = deadline - monotonicMilliseconds()
            if remaining <= 0 {
                failure = fail("timed out after \(timeoutMilliseconds) ms")
                break
            }
            var fds = readEnds.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            do { _ = try LocalIO.poll(&fds, timeoutMilliseconds: Int32(min(remaining, Int(Int32.max)))) } catch {
                failure = fail("\(error)")
                break
            }
            for i in 0..<2 where readEnds[i] >= 0 && fds[i].revents != 0 {
                switch buf.withUnsafeMutableBytes({ LocalIO.read(readEnds[i], into: $0) }) {
                case .bytes(let got):
                    if i == 0 { out.append(contentsOf: buf[0..<got]) } else { err.append(contentsOf: buf[0..<got]) }
                    if out.count + err.count > maxOutput {
                        failure = fail("more than \(maxOutput) bytes of output")
                    }
                case .again:
                    break
                case .eof, .failed:
                    close(readEnds[i])
                    readEnds[i] = -1
                }
            }
            if failure != nil { break }
        }
        if failure != nil { kill(pid, SIGKILL) }
        let status = LocalIO.waitForExit(pid) ?? 0
        if let failure { throw failure }
        let termSignal = Int(status & 0x7F)
        return (termSignal == 0 ? Int((status >> 8) & 0xFF) : 256 + termSignal, out, err)
    }

    static func monotonicMilliseconds() -> Int {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int(ts.tv_sec) * 1000 + Int(ts.tv_nsec) / 1_000_000
    }

    // MARK: Files

    /// The file's bytes, or nil if it does not exist.
    static func readFile(_ path: String) throws(ConfigError) -> [UInt8]? {
        switch LocalIO.readFile(path) {
        case .bytes(let bytes): return bytes
        case .failed(let e) where e == ENOENT || e == ENOTDIR: return nil
        case .failed(let e): throw ConfigError.cannotRead(path: path, reason: String(cString: strerror(e)))
        case .tooLarge: throw ConfigError.cannotRead(path: path, reason: "too large")  // not with no limit
        }
    }

    /// Writes `bytes` to `path` via a temp file and rename (mode 0600), creating `directory`
    /// (0700) if needed. Best effort: returns false on any failure.
    @discardableResult
    static func writeAtomically(_ bytes: [UInt8], to path: String, directory: String) -> Bool {
        makeDirectories(directory)
        let temp = "\(path).\(getpid()).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return false }
        let ok = bytes.withUnsafeBytes { LocalIO.writeAll(fd, $0) { true } } == .written
        if close(fd) != 0 || !ok || rename(temp, path) != 0 {
            unlink(temp)
            return false
        }
        return true
    }

    /// How many cached configs to keep: several config folders (LXD_CONF) may be in use
    /// at once, each with its own entry; older ones are removed when a new one is written.
    public static let cacheEntriesKept = 32

    /// Removes all but the `keep` most recently modified `config-*.json` in `directory`.
    static func pruneCache(_ directory: String, keep: Int) {
        guard let dir = opendir(directory) else { return }
        var entries: [(name: String, mtime: Int)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard name.hasPrefix("config-"), name.hasSuffix(".json") else { continue }
            var st = stat()
            guard stat(ConfigPath.join(directory, name), &st) == 0 else { continue }
            entries.append((name, st.st_mtim.tv_sec * 1_000_000_000 + st.st_mtim.tv_nsec))
        }
        closedir(dir)
        guard entries.count > keep else { return }
        for old in entries.sorted(by: { $0.mtime > $1.mtime }).dropFirst(keep) {
            unlink(ConfigPath.join(directory, old.name))
        }
    }

    static func makeDirectories(_ path: String) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/" + part
            mkdir(prefix, 0o700)
        }
    }
}
