import Logging

/// `--debug`: the library's log (already redacted) on stderr, each entry stamped with the
/// milliseconds since lxattach started: `[+12.3ms] > GET /1.0 HTTP/1.1…`.
struct DebugLogHandler: LogHandler {
    var logLevel: Logger.Level = .debug
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let text = event.message.description
        Output.err("[+\(Output.elapsedMilliseconds())ms] " + (text.hasSuffix("\n") ? text : text + "\n"))
    }

    /// A logger at `.debug` that writes through this handler.
    static var logger: Logger { Logger(label: "lxattach", factory: { _ in DebugLogHandler() }) }
}
