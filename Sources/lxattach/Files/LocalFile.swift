import Glibc
import Transport

/// The local side of file transfers: opening, reading, listing, with Go's error words
/// (lxc's messages quote them: "open /x: no such file or directory").
enum LocalFile {
    /// `path` opened for reading (`-`: stdin) and its status.
    static func openForReading(_ path: String) throws -> (fd: Int32, status: stat) {
        let fd = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure("open \(path): \(LXCErrors.goErrno(errno))") }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let e = errno
            if path != "-" { close(fd) }
            throw Failure("stat \(path): \(LXCErrors.goErrno(e))")
        }
        return (fd, st)
    }

    /// The owner of `path` (stdin: this process's user and group).
    static func owner(of path: String) -> (uid: Int64, gid: Int64) {
        var st = stat()
        if path != "-", stat(path, &st) == 0 { return (Int64(st.st_uid), Int64(st.st_gid)) }
        return (Int64(getuid()), Int64(getgid()))
    }

    /// One read(2) (through signals); 0 at the end.
    static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, name: String) throws -> Int {
        switch LocalIO.readOnce(fd, buffer.baseAddress, buffer.count) {
        case .success(let n): return n
        case .failure(let e): throw Failure("read \(name): \(LXCErrors.goErrno(e.errno))")
        }
    }

    /// Writes all of `bytes` to `fd` (`name` for the error).
    static func write(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, name: String) throws {
        switch LocalIO.writeAll(fd, bytes, interrupted: { true }) {
        case .written, .abandoned: return
        case .readerGone: throw Failure("write \(name): \(LXCErrors.goErrno(EPIPE))")
        case .failed(let e): throw Failure("write \(name): \(LXCErrors.goErrno(e))")
        }
    }

    /// The names in a folder, sorted (as Go's filepath.Walk), without `.` and `..`.
    static func entries(of path: String) throws -> [String] {
        guard let dir = opendir(path) else { throw Failure("open \(path): \(LXCErrors.goErrno(errno))") }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    /// What a symlink points to.
    static func linkTarget(_ path: String) throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n >= 0 else { throw Failure("readlink \(path): \(LXCErrors.goErrno(errno))") }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `path` is a folder (symlinks followed).
    static func isFolder(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// `mkdir -p` with `mode` for the folders it makes.
    static func makeFolders(_ path: String, mode: mode_t = 0o755) throws {
        if path.isEmpty || isFolder(path) { return }
        let parent = InstancePath.parent(path)
        if parent != path && parent != "." { try makeFolders(parent, mode: mode) }
        if mkdir(path, mode) != 0 && errno != EEXIST { throw Failure("mkdir \(path): \(LXCErrors.goErrno(errno))") }
    }

    /// Whether a symlink at `link` (a path under `root`) pointing to `destination` stays
    /// inside `root` (lexically: an absolute destination never does).
    static func staysInside(link: String, destination: String, root: String) -> Bool {
        guard !destination.hasPrefix("/"), !destination.isEmpty else { return false }
        let rootParts = root.split(separator: "/")
        var parts = InstancePath.parent(link).split(separator: "/")
        guard parts.starts(with: rootParts) else { return false }
        parts.removeFirst(rootParts.count)
        for part in destination.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                if parts.isEmpty { return false }
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        return true
    }

    /// The relative link that, placed at `link`, reaches `destination`, when both are
    /// inside the folder `root` (absolute, clean paths); nil otherwise.
    static func relativeLink(at link: String, to destination: String, within root: String) -> String? {
        let clean = InstancePath.clean(destination)
        guard clean == root || clean.hasPrefix(root == "/" ? "/" : root + "/") else { return nil }
        let from = InstancePath.parent(link).split(separator: "/")
        let to = clean.split(separator: "/")
        var common = 0
        while common < from.count, common < to.count, from[common] == to[common] { common += 1 }
        let parts = Array(repeating: "..", count: from.count - common) + to[common...].map(String.init)
        return parts.isEmpty ? "." : parts.joined(separator: "/")
    }
}
