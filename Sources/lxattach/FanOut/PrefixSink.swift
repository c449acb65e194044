import Glibc
import LXD

/// The default fan-out output: every line prefixed with its instance (`web1: …`),
/// stdout lines on stdout and stderr lines on stderr, a missing final newline added.
/// On a terminal the names are aligned and coloured (unless `NO_COLOR` is set);
/// into a pipe or a file the prefix is exactly `name: `.
final class PrefixSink: FanOutSink {
    private let out: FanOutWriter
    private let err: FanOutWriter
    /// Per instance: the prefix on stdout and on stderr.
    private let prefixes: [(out: [UInt8], err: [UInt8])]
    /// Per instance and stream, the line being cut.
    private var splitters: [[LineSplitter]]

    var whileBlocked: () -> Bool = { true } {
        didSet {
            out.whileBlocked = whileBlocked
            err.whileBlocked = whileBlocked
        }
    }

    /// `styles`: how each stream is decorated (see `PrefixStyle.detect`).
    init(names: [String], stdoutStyle: PrefixStyle, stderrStyle: PrefixStyle, stdout: Int32 = 1, stderr: Int32 = 2) {
        out = FanOutWriter(fd: stdout)
        err = FanOutWriter(fd: stderr)
        let width = names.map(\.count).max() ?? 0
        prefixes = names.enumerated().map { i, name in
            (Array(stdoutStyle.prefix(name, index: i, width: width).utf8),
             Array(stderrStyle.prefix(name, index: i, width: width).utf8))
        }
        splitters = Array(repeating: [LineSplitter(), LineSplitter()], count: names.count)
    }

    func outputs(for index: Int) -> (stdout: ExecIO.Output, stderr: ExecIO.Output) {
        (.handler { [unowned self] in self.write($0, index: index, stream: 0) },
         .handler { [unowned self] in self.write($0, index: index, stream: 1) })
    }

    private func write(_ chunk: UnsafeRawBufferPointer, index: Int, stream: Int) {
        let writer = stream == 0 ? out : err
        let prefix = stream == 0 ? prefixes[index].out : prefixes[index].err
        splitters[index][stream].feed(chunk) { piece, complete in
            writer.append(prefix)
            writer.append(piece)
            if !complete { writer.append(byte: 10) }
        }
        writer.flush()
    }

    func finished(_ index: Int, _ outcome: FanOutOutcome) {
        for stream in 0..<2 {
            let writer = stream == 0 ? out : err
            let prefix = stream == 0 ? prefixes[index].out : prefixes[index].err
            splitters[index][stream].finish { piece, _ in
                writer.append(prefix)
                writer.append(piece)
                writer.append(byte: 10)
            }
            writer.flush()
        }
        if let message = outcome.message {
            err.append(prefixes[index].err)
            err.append("Error: " + oneLine(message) + "\n")
            err.flush()
        }
    }

    func end() -> String? { out.failureMessage ?? err.failureMessage }
}

/// How prefixes look on one stream.
struct PrefixStyle: Equatable {
    var align = false
    var colour = false

    /// Aligned on a terminal; coloured too unless `NO_COLOR` is set (and not empty).
    static func detect(fd: Int32) -> PrefixStyle {
        guard isatty(fd) == 1 else { return PrefixStyle() }
        let noColour = getenv("NO_COLOR").map { $0.pointee != 0 } ?? false
        let dumb = getenv("TERM").map { String(cString: $0) == "dumb" } ?? false
        return PrefixStyle(align: true, colour: !noColour && !dumb)
    }

    static let palette = ["36", "32", "33", "35", "34", "96", "92", "93", "95", "94"]

    func prefix(_ name: String, index: Int, width: Int) -> String {
        let padding = align ? String(repeating: " ", count: max(0, width - name.count)) : ""
        guard colour else { return name + ": " + padding }
        return "\u{1B}[" + Self.palette[index % Self.palette.count] + "m" + name + ":\u{1B}[0m " + padding
    }
}

/// Messages are one line, whatever the daemon sent.
func oneLine(_ message: String) -> String {
    message.split(whereSeparator: { $0 == "\n" || $0 == "\r" }).joined(separator: " ")
}
