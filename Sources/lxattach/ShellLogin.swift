extension ShellCommand {
    /// `su -l`, which clears the environment (keeping TERM), so `--env` entries are
    /// re-set after it: `su -l -c 'exec env -- K=V … "$SHELL" -l'` (each entry one
    /// single-quoted word, so no value or name is ever parsed by the remote shell).
    static func loginCommand(carrying entries: [(String, String)]) -> [String] {
        guard !entries.isEmpty else { return ["su", "-l"] }
        let words = entries.map { singleQuoted($0.0 + "=" + $0.1) }
        return ["su", "-l", "-c", "exec env -- " + words.joined(separator: " ") + " \"$SHELL\" -l"]
    }

    static func singleQuoted(_ s: String) -> String {
        "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
    }
}
