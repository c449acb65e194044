import LXD

/// `lxc exec` run through lxattach's exec (the same `ExecSettings.runOne` the CLI uses),
/// with lxc's meaning of its flags.
extension LXCExec {
    /// Runs it; throws `Failure` for our own errors, `ExitCode` for the command's status.
    func run(as persona: ClientPersona) throws {
        var settings = ExecSettings()
        switch mode {
        case "interactive": settings.mode = .interactive
        case "non-interactive": settings.mode = .nonInteractive
        default: settings.mode = .auto   // lxc takes any other word for auto
        }
        settings.forceInteractive = forceInteractive
        settings.forceNoninteractive = forceNoninteractive
        settings.disableStdin = disableStdin
        settings.cwd = cwd
        settings.user = user
        settings.group = group
        // lxc (LXD 5.0.2, Incus 6.0) sends `--env K` without "=" as K="".
        let environment = EnvironmentSettings(env: env.map { $0.contains("=") ? $0 : $0 + "=" })
        try settings.runOne(global: global.settings(persona), environment: environment,
                            instance: global.reference(instance), argv: command)
    }
}

extension LXCGlobal {
    /// lxattach's settings for these flags.
    func settings(_ persona: ClientPersona) -> GlobalSettings {
        GlobalSettings(debug: debug, project: project, incus: persona == .incus)
    }

    /// `[remote:]name` as lxattach should read it: `--force-local` means the local socket
    /// (a `local:` prefix is dropped; another remote is still looked up, and refused).
    func reference(_ written: String) -> String {
        guard forceLocal else { return written }
        if written.hasPrefix("local:") { return "local:" + written.dropFirst(6) }
        return written.contains(":") ? written : "local:" + written
    }
}
