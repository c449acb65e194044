/// The names help texts use: `incattach` (a symlink to lxattach) speaks of incus, the
/// rest of lxc.
enum Naming {
    static let isIncattach: Bool = {
        let path = CommandLine.arguments.first ?? ""
        return path.split(separator: "/").last == "incattach"
    }()

    /// The command name in usage lines.
    static var command: String { isIncattach ? "incattach" : "lxattach" }
    /// The client we stand in for.
    static var client: String { isIncattach ? "incus" : "lxc" }
    /// Where the client's configuration is.
    static var configFolder: String { isIncattach ? "$INCUS_CONF, else ~/.config/incus" : "$LXD_CONF, else ~/.config/lxc" }
}
