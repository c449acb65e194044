import Glibc
import LXD
import Transport

/// `file pull`: files out of an instance, streamed to local files or to stdout (`-`).
/// Permissions are the instance file's (as lxc; owner not changed). `-r` pulls folders
/// whole; a symlink that would point outside what is pulled is refused, as is a name
/// from the daemon that is not one path component.
struct FilePull {
    var arguments: LXCFileArguments
    var persona: ClientPersona?

    func run() throws {
        let a = arguments
        var sources: [InstancePath] = []
        for written in a.sources {
            guard let source = InstancePath(written) else { throw Failure("Invalid source \(written)") }
            sources.append(source)
        }
        let toStdout = a.target == "-"
        var targetIsFolder = !toStdout && (a.target.hasSuffix("/") || LocalFile.isFolder(a.target))
        // Several sources, or -r: the target is a folder, made when missing (as lxc).
        if (sources.count > 1 || a.recursive) && !toStdout {
            try LocalFile.makeFolders(a.target)
            targetIsFolder = true
        }
        for source in sources {
            let (client, instance) = try FileClients.client(a, persona: persona, instance: source.instance)
            let files = InstanceFiles(client: client, instance: instance)
            if toStdout {
                try pullToStdout(source.path, files: files)
                continue
            }
            let local = targetIsFolder ? InstancePath.join(a.target, InstancePath.base(source.path)) : a.target
            if a.createDirs { try LocalFile.makeFolders(InstancePath.parent(local)) }
            try pull(source.path, to: local, tree: nil, files: files)
        }
    }

    private func pullToStdout(_ path: String, files: InstanceFiles) throws {
        let pulled = try files.pull(path) { chunk in try LocalFile.write(1, chunk, name: "/dev/stdout") }
        switch pulled {
        case .file: return
        case .directory: throw Failure("Can't pull a directory without --recursive")
        case .symlink(_, let target): try Array(target.utf8).withUnsafeBytes { try LocalFile.write(1, $0, name: "/dev/stdout") }
        }
    }

    /// `path` to `local`: a file's contents, a folder (with -r) and what is in it, a symlink.
    /// `tree`: the folder being pulled (instance path, local path), below its top.
    private func pull(_ path: String, to local: String, tree: (remote: String, local: String)?, files: InstanceFiles) throws {
        var fd: Int32 = -1
        defer { if fd >= 0 { close(fd) } }
        func create() throws {
            guard fd < 0 else { return }
            fd = open(local, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw Failure("open \(local): \(LXCErrors.goErrno(errno))") }
        }
        let pulled = try files.pull(path) { chunk in
            try create()
            try LocalFile.write(fd, chunk, name: local)
        }
        switch pulled {
        case .file(let info):
            try create()
            if fchmod(fd, mode_t(info.mode & 0o7777)) != 0 { throw Failure("chmod \(local): \(LXCErrors.goErrno(errno))") }
        case .directory(let info, let entries):
            guard arguments.recursive else { throw Failure("Can't pull a directory without --recursive") }
            if mkdir(local, 0o700) != 0 && !(errno == EEXIST && LocalFile.isFolder(local)) {
                throw Failure("mkdir \(local): \(LXCErrors.goErrno(errno))")
            }
            let inner = tree ?? (path, local)
            for name in entries {
                guard !name.isEmpty, name != ".", name != "..", !name.contains("/") else {
                    throw Failure("refusing the entry \"\(name)\" the daemon listed in \(path)")
                }
                try pull(InstancePath.join(path, name), to: InstancePath.join(local, name), tree: inner, files: files)
            }
            _ = chmod(local, mode_t(info.mode & 0o7777))
        case .symlink(_, let destination):
            // LXD answers with the link's target made absolute: a target inside the folder
            // being pulled becomes the same relative link here; anything else would point
            // outside what we write (into this machine's own /etc, say) and is refused.
            let link: String?
            if let tree, destination.hasPrefix("/") {
                link = LocalFile.relativeLink(at: path, to: destination, within: tree.remote)
            } else if let tree, LocalFile.staysInside(link: local, destination: destination, root: tree.local) {
                link = destination
            } else {
                link = nil
            }
            guard let link else {
                throw Failure("refusing to create the symlink \(local) -> \(destination): it points outside \(tree?.local ?? "the file pulled")")
            }
            if symlink(link, local) != 0 {
                throw Failure("symlink \(link) \(local): \(LXCErrors.goErrno(errno))")
            }
        }
    }
}
