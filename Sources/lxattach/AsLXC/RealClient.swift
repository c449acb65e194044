import Glibc

/// The real `lxc` / `incus` that lxattach, started under that name, hands the commands it
/// does not implement to: the next one on PATH after lxattach's own folder, never
/// lxattach itself (compared by device and inode, so a second link or a copy's link is
/// recognised too).
enum RealClient {
    /// The path to run for `name`, or nil when PATH holds no other.
    ///
    /// `path` is PATH's value, `argv0` how we were started, `isSelf` whether a candidate
    /// is this very executable (tests pass their own).
    static func find(name: String, path: String, argv0: String, isSelf: (String) -> Bool) -> String? {
        let folders = path.split(separator: ":", omittingEmptySubsequences: false).map { $0.isEmpty ? "." : String($0) }
        let candidates = folders.map { $0 + "/" + name }
        // Our own folder: where argv0 points when it has a slash, else the first PATH
        // entry that is us. Only what comes after it counts; without it, all of PATH.
        var start = 0
        if let own = candidates.firstIndex(where: isSelf) { start = own + 1 }
        if argv0.contains("/"), let own = candidates.firstIndex(where: { sameFile($0, argv0) }) { start = max(start, own + 1) }
        for candidate in candidates[start...] where access(candidate, X_OK) == 0 && !isSelf(candidate) {
            var st = stat()
            if stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { return candidate }
        }
        return nil
    }

    /// Whether `path` is this process's executable.
    static func isThisExecutable(_ path: String) -> Bool { sameFile(path, "/proc/self/exe") }

    /// Same device and inode (symlinks followed).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    /// Replaces this process with the real client, argv untouched (exec(3): same PID,
    /// same stdio, its exit status is ours). Returns only on failure: one line, exit 1.
    static func handOver(_ persona: ClientPersona, arguments: [String]) -> Never {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        let argv0 = arguments.first ?? persona.rawValue
        guard let real = find(name: persona.rawValue, path: path, argv0: argv0, isSelf: isThisExecutable) else {
            let shown = arguments.dropFirst().prefix(3).joined(separator: " ")
            Output.error("no real \(persona.rawValue) on PATH after lxattach's own folder to run `\(persona.rawValue) \(shown)`"
                + " (lxattach itself implements only exec, file push and file pull)")
            exit(1)
        }
        // Back to the default disposition: exec keeps an ignored SIGPIPE ignored.
        signal(SIGPIPE, SIG_DFL)
        var cArgs: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        execv(real, &cArgs)
        let e = errno
        Output.error("cannot run \(real): \(String(cString: strerror(e)))")
        exit(1)
    }
}
