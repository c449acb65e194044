/// The client lxattach stands in for when it is started as `lxc` or `incus` (a link named
/// so, first on PATH): it then *is* that client for `exec`, `file push` and `file pull`,
/// with its grammar, words and exit statuses, and hands every other command to the real
/// one (`RealClient`).
enum ClientPersona: String, Equatable {
    case lxc
    case incus

    /// The persona for `argv0` (its last path component), nil for any other name.
    static func of(argv0: String) -> ClientPersona? {
        ClientPersona(rawValue: argv0.split(separator: "/").last.map(String.init) ?? "")
    }

    /// The persona this process was started as.
    static let current: ClientPersona? = of(argv0: CommandLine.arguments.first ?? "")
}
