import ArgumentParser

/// `file push` / `file pull` in lxattach's command tree, for `--help`, the man page and
/// shell completion. The words themselves are read by `FileCommandLine` (lxc's pflag
/// grammar, which swift-argument-parser cannot express: flags after the paths, `-` as a
/// path), before this tree is consulted; `run` goes there too.
struct FileCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "file",
        abstract: "Copy files into and out of an instance (like `\(Naming.client) file push/pull`), streamed.",
        subcommands: [FilePushCommand.self, FilePullCommand.self]
    ) }
}

/// The options both directions take.
struct FileCommonOptions: ParsableArguments {
    @Flag(name: [.customShort("p"), .customLong("create-dirs")], help: "Create the folders needed (instance side on push, local on pull).")
    var createDirs = false

    @Flag(name: [.customShort("r"), .customLong("recursive")], help: "Copy folders and what is in them (symlinks as symlinks).")
    var recursive = false

    @Flag(name: [.customShort("q"), .customLong("quiet")], help: "No progress line.")
    var quiet = false

    @OptionGroup var global: GlobalOptions
}

struct FilePushCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "push",
        abstract: "Push local files (- for stdin) to [remote:]instance/path.",
        discussion: "A target ending in / is a folder. Owner and mode are the local file's unless given. A recursive push to a path with '..' components is refused."
    ) }

    @OptionGroup var common: FileCommonOptions

    @Option(name: .long, help: "Owner of what is pushed (default: the local file's).")
    var uid: Int?

    @Option(name: .long, help: "Group of what is pushed (default: the local file's).")
    var gid: Int?

    @Option(name: .long, help: "Permissions, octal (default: the local file's).")
    var mode: String?

    @Argument(help: "SOURCE... [remote:]instance/path")
    var paths: [String]

    func run() throws { FileCommandLine.run(["push"] + paths) }
}

struct FilePullCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "pull",
        abstract: "Pull [remote:]instance/path... to a local path (- for stdout).",
        discussion: "Permissions are the instance file's. A symlink that would point outside what is pulled is refused."
    ) }

    @OptionGroup var common: FileCommonOptions

    @Argument(help: "[remote:]instance/path... TARGET")
    var paths: [String]

    func run() throws { FileCommandLine.run(["pull"] + paths) }
}
