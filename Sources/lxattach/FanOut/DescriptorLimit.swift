import Glibc

/// RLIMIT_NOFILE against `--parallel N`: every running session holds its websockets
/// (4), the connection carrying its exit status (1), sometimes a lookup (1), and the
/// sink's files; the soft limit is raised as far as needed (up to the hard limit).
enum DescriptorLimit {
    /// Descriptors one session may hold, before the sink's own.
    static let perSession = 6
    /// Standard streams, the signal pipe, REST connections, the config helper, slack.
    static let base = 32

    static func needed(sessions: Int, perSessionExtra: Int) -> Int {
        base + sessions * (perSession + perSessionExtra)
    }

    /// Raises the soft limit to `needed` when lower; throws a one-line `Failure` when
    /// even the hard limit is too low.
    static func ensure(sessions: Int, perSessionExtra: Int) throws {
        let need = needed(sessions: sessions, perSessionExtra: perSessionExtra)
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        // RLIM_INFINITY is the largest value: it compares as "enough".
        if limit.rlim_cur >= rlim_t(need) { return }
        let hard = limit.rlim_max
        guard hard >= rlim_t(need) else {
            let fit = max(1, (Int(hard) - base) / (perSession + perSessionExtra))
            throw Failure("--parallel \(sessions) needs about \(need) file descriptors, but the limit (RLIMIT_NOFILE, hard) is \(hard): use --parallel \(fit) or less, or raise it (ulimit -Hn)")
        }
        limit.rlim_cur = rlim_t(need)
        if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) != 0 {
            throw Failure("--parallel \(sessions) needs about \(need) file descriptors; raising RLIMIT_NOFILE failed: \(String(cString: strerror(errno)))")
        }
    }
}
