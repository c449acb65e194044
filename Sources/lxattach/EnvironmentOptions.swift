import ArgumentParser

/// `--env` and `--env-file` for `exec` and `shell`, as docker's `-e` and `--env-file`
/// (parsing in `EnvironmentEntries`). Files come first, then `--env`; a later entry for
/// the same name wins.
struct EnvironmentOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Environment variable to set: KEY=VALUE, or KEY alone to pass its local value (repeatable).",
        valueName: "KEY[=VALUE]"))
    var env: [String] = []

    @Option(name: .customLong("env-file"), help: ArgumentHelp(
        "Read environment variables from a file: KEY=VALUE or KEY per line, # comments (repeatable).",
        valueName: "FILE"))
    var envFile: [String] = []

    /// The parsed values.
    var settings: EnvironmentSettings { EnvironmentSettings(env: env, envFile: envFile) }

    func validate() throws {
        if let problem = settings.problem { throw ValidationError(problem) }
    }
}
