import Glibc
import LXD
import Transport

/// `file push`: local files (or stdin, `-`) into an instance, streamed: a file of any size
/// goes through one 128 KiB buffer. Ownership and permissions are the local file's
/// unless `--uid/--gid/--mode` say otherwise (as lxc); `-p` creates the missing parent
/// folders, `-r` sends folders whole.
struct FilePush {
    var arguments: LXCFileArguments
    var persona: ClientPersona?

    func run() throws {
        let a = arguments
        guard let destination = InstancePath(a.target) else { throw Failure("Invalid target \(a.target)") }
        if a.recursive && destination.hasParentComponent {
            throw Failure("refusing a recursive push to a path with '..' components: \(a.target)")
        }
        var mode: UInt32?
        if let text = a.mode {
            switch LXCFileArguments.parseMode(text) {
            case .success(let m): mode = m
            case .failure(let problem): throw Failure(problem.message)
            }
        }
        if !a.recursive && a.sources.count > 1 && !destination.isFolder { throw Failure("Missing target directory") }
        let (client, instance) = try FileClients.client(a, persona: persona, instance: destination.instance)
        let files = InstanceFiles(client: client, instance: instance)
        if a.createDirs {
            let folder = destination.isFolder || a.recursive ? destination.path : InstancePath.parent(destination.path)
            let owner = LocalFile.owner(of: a.sources[0])
            try makeParents(folder, files: files, attributes: .init(uid: a.uid ?? owner.uid, gid: a.gid ?? owner.gid))
        }
        for source in a.sources {
            if a.recursive {
                try pushTree(source, into: destination.path, files: files, mode: mode)
            } else {
                let name = InstancePath.base(source == "-" ? "/dev/stdin" : source)
                let path = destination.isFolder ? InstancePath.join(destination.path, name) : destination.path
                try pushFile(source, to: path, files: files, mode: mode)
            }
        }
    }

    /// `mkdir -p` in the instance: the missing folders of `folder`, top down.
    func makeParents(_ folder: String, files: InstanceFiles, attributes: InstanceFiles.Attributes) throws {
        var missing: [String] = []
        var path = folder
        while path != "/", try files.info(path) == nil {
            missing.append(path)
            path = InstancePath.parent(path)
        }
        for dir in missing.reversed() { try files.makeDirectory(dir, attributes: attributes) }
    }

    /// One file (or stdin) to `path`.
    func pushFile(_ source: String, to path: String, files: InstanceFiles, mode: UInt32?) throws {
        let opened = try LocalFile.openForReading(source)
        defer { if source != "-" { close(opened.fd) } }
        let st = opened.status
        if (st.st_mode & S_IFMT) == S_IFDIR {
            // lxc's words: its POST fails reading the folder.
            throw Failure("Post \"\(FileClients.goURL(files.client))\(files.target(path))\": read \(source): is a directory")
        }
        let attributes = InstanceFiles.Attributes(uid: arguments.uid ?? Int64(st.st_uid), gid: arguments.gid ?? Int64(st.st_gid),
                                                  mode: mode ?? UInt32(st.st_mode & 0o777))
        let regular = (st.st_mode & S_IFMT) == S_IFREG
        let started = monotonicNanoseconds()
        var sent = 0
        try files.push(path, attributes: attributes, length: regular ? Int(st.st_size) : nil) { buffer in
            let n = try LocalFile.read(opened.fd, into: buffer, name: source)
            sent += n
            return n
        }
        // lxc shows no progress for stdin.
        if !quiet && source != "-" { Progress.done("Pushing \(source) to \(path)", bytes: sent, since: started) }
    }

    var quiet: Bool { arguments.global.quiet }

    /// A folder and everything under it (lxc's walk: folders, symlinks as symlinks,
    /// regular files; other kinds skipped), to `target/<its name>/…`.
    func pushTree(_ source: String, into target: String, files: InstanceFiles, mode: UInt32?) throws {
        let root = source.count > 1 && source.hasSuffix("/") ? String(source.dropLast()) : source
        let base = InstancePath.base(root)
        try walk(root, remote: InstancePath.join(target, base), files: files, mode: mode)
    }

    private func walk(_ local: String, remote: String, files: InstanceFiles, mode: UInt32?) throws {
        var st = stat()
        guard lstat(local, &st) == 0 else { throw Failure("lstat \(local): \(LXCErrors.goErrno(errno))") }
        let attributes = InstanceFiles.Attributes(uid: arguments.uid ?? Int64(st.st_uid), gid: arguments.gid ?? Int64(st.st_gid),
                                                  mode: mode ?? UInt32(st.st_mode & 0o777))
        switch st.st_mode & S_IFMT {
        case S_IFDIR:
            try files.makeDirectory(remote, attributes: attributes)
            for name in try LocalFile.entries(of: local) {
                try walk(InstancePath.join(local, name), remote: InstancePath.join(remote, name), files: files, mode: mode)
            }
        case S_IFLNK:
            try files.makeSymlink(remote, to: try LocalFile.linkTarget(local), attributes: attributes)
        case S_IFREG:
            try pushFile(local, to: remote, files: files, mode: mode)
        default:
            return
        }
    }
}

/// Clients for file commands (both modes).
enum FileClients {
    static func client(_ a: LXCFileArguments, persona: ClientPersona?, instance: String) throws -> (LXDClient, String) {
        var global = a.global.settings(persona ?? .lxc)
        if persona == nil { global.incus = a.incus }
        return try global.client(forInstance: a.global.reference(instance))
    }

    /// How Go's client names the daemon in its error messages.
    static func goURL(_ client: LXDClient) -> String {
        let address = client.addressDescription
        return address.hasPrefix("unix:") ? "http://unix.socket" : address
    }
}

/// lxc's progress line for a push, once it is done: `\rPushing A to B: 100% (1.23MB/s)`,
/// then the line blanked (only the rate differs from lxc's bytes).
enum Progress {
    static func done(_ what: String, bytes: Int, since started: UInt64) {
        let seconds = max(Double(monotonicNanoseconds() &- started) / 1e9, 1e-6)
        let line = "\(what): 100% (\(rate(Double(bytes) / seconds))/s)"
        Output.out("\r" + line + "\r" + String(repeating: " ", count: line.count) + "\r")
    }

    /// Go's units.GetByteSizeString(n, 2): 1000-based, two decimals.
    static func rate(_ perSecond: Double) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
        var value = perSecond
        var unit = 0
        while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
        if unit == 0 { return "\(Int(value))B" }
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)\(units[unit])"
    }
}
