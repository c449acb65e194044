import ArgumentParser
import Glibc
import LXD

/// What `exec` needs to know to run on many instances.
struct FanOutOptions {
    /// The instance argument (a node set or glob), nil with `--all` alone.
    var pattern: String?
    var all = false
    var location: String?
    var parallel = 32
    var timeout: Double?
    var mode = FanOutOutputMode.prefix
    var shareStdin = false
}

/// `exec` on many instances: select, run on one event loop, report, exit with the
/// highest status (255 when any instance could not run).
func runFanOut(global: GlobalSettings, options: FanOutOptions, request: ExecRequest) throws {
    let (config, environment) = try global.loadConfig()
    let clients = FanOutClients(global: global, config: config, environment: environment)
    let elements: [FanOutElement]
    do { elements = try FanOutElement.parse(options.pattern, all: options.all) } catch { throw Failure(error.description) }
    let entries = resolveSelection(elements, location: options.location, clients: clients)
    let names = entries.map(\.name)
    let runnable = entries.count { if case .run = $0 { return true } else { return false } }

    if options.shareStdin && runnable > options.parallel {
        throw Failure("--stdin sends the same bytes to every instance as they are read, so all \(runnable) must run at once: use --parallel \(runnable) or more")
    }
    try DescriptorLimit.ensure(sessions: min(options.parallel, max(runnable, 1)),
                               perSessionExtra: options.mode.descriptorsPerSession)

    let sink: FanOutSink
    switch options.mode {
    case .prefix: sink = PrefixSink(names: names, stdoutStyle: .detect(fd: 1), stderrStyle: .detect(fd: 2))
    case .gather: sink = GatherSink(names: names)
    case .jsonLines: sink = JSONLinesSink(names: names)
    case .outdir(let dir):
        do { sink = try OutdirSink(directory: dir, names: names) } catch { throw Failure(error.message) }
    }

    var configuration = GlobalSettings.sessionConfiguration
    configuration.timeout = options.timeout
    let settings = FanOutRunner.Settings(request: request, parallel: options.parallel, configuration: configuration,
                                         timeout: options.timeout, shareStdin: options.shareStdin)
    let runner = FanOutRunner(entries: entries, settings: settings, clients: clients, sink: sink)
    let outcomes = try runner.run()
    clients.finish()
    let localFailure = sink.end()

    if let line = FanOutSummary.line(Array(zip(names, outcomes)).map { (name: $0.0, outcome: $0.1) }) {
        Output.err(line + "\n")
    }
    if let localFailure { throw Failure(localFailure) }
    throw ExitCode(FanOutSummary.exitStatus(outcomes))
}
