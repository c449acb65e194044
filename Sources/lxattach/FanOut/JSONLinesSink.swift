import JSON
import LXD

/// `--format jsonl`: one JSON object per line, on stdout, for programs.
///
/// - Per line of output: `{"instance":"web1","stream":"stdout","data":"up 3 days\n"}`.
///   `data` is the line with its newline, so the `data` of one stream put together is
///   the stream byte for byte; a last line without newline comes without one, and a
///   line longer than 64 KiB comes in pieces. A piece that is not valid UTF-8 is sent
///   as `"data_b64"` (standard base64) instead of `"data"`: lossless for any bytes.
/// - Per instance, last: `{"instance":"web1","status":0}`, with `"error"` when it could
///   not run or something went wrong, and `"timed_out":true` after `--timeout`.
final class JSONLinesSink: FanOutSink {
    private let names: [String]
    private let out: FanOutWriter
    private var splitters: [[LineSplitter]]
    var whileBlocked: () -> Bool = { true } {
        didSet { out.whileBlocked = whileBlocked }
    }

    init(names: [String], stdout: Int32 = 1) {
        self.names = names
        out = FanOutWriter(fd: stdout)
        splitters = Array(repeating: [LineSplitter(), LineSplitter()], count: names.count)
    }

    func outputs(for index: Int) -> (stdout: ExecIO.Output, stderr: ExecIO.Output) {
        (.handler { [unowned self] in self.write($0, index: index, stream: 0) },
         .handler { [unowned self] in self.write($0, index: index, stream: 1) })
    }

    private func write(_ chunk: UnsafeRawBufferPointer, index: Int, stream: Int) {
        splitters[index][stream].feed(chunk) { piece, _ in
            out.append(Self.line(instance: names[index], stream: stream, piece))
        }
        out.flush()
    }

    func finished(_ index: Int, _ outcome: FanOutOutcome) {
        for stream in 0..<2 {
            splitters[index][stream].finish { piece, _ in
                out.append(Self.line(instance: names[index], stream: stream, piece))
            }
        }
        out.append(Self.final(instance: names[index], outcome))
        out.flush()
    }

    func end() -> String? { out.failureMessage }

    /// One object for a piece of output, with its newline.
    static func line(instance: String, stream: Int, _ piece: UnsafeRawBufferPointer) -> [UInt8] {
        var object: JSONObject = ["instance": .string(instance), "stream": .string(stream == 0 ? "stdout" : "stderr")]
        if let text = String(validating: piece, as: UTF8.self) {
            object["data"] = .string(text)
        } else {
            object["data_b64"] = .string(base64(piece))
        }
        var bytes = JSONValue.object(object).serializedBytes()
        bytes.append(10)
        return bytes
    }

    /// The last object of an instance.
    static func final(instance: String, _ outcome: FanOutOutcome) -> [UInt8] {
        var object: JSONObject = ["instance": .string(instance), "status": JSONValue(outcome.status)]
        if case .timedOut = outcome.kind { object["timed_out"] = .bool(true) }
        if let message = outcome.message { object["error"] = .string(oneLine(message)) }
        var bytes = JSONValue.object(object).serializedBytes()
        bytes.append(10)
        return bytes
    }

    /// Standard base64 with padding (RFC 4648 §4).
    static func base64(_ bytes: UnsafeRawBufferPointer) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i < bytes.count {
            let n = min(3, bytes.count - i)
            var v = UInt32(bytes[i]) << 16
            if n > 1 { v |= UInt32(bytes[i + 1]) << 8 }
            if n > 2 { v |= UInt32(bytes[i + 2]) }
            out.append(alphabet[Int(v >> 18 & 63)])
            out.append(alphabet[Int(v >> 12 & 63)])
            out.append(n > 1 ? alphabet[Int(v >> 6 & 63)] : UInt8(ascii: "="))
            out.append(n > 2 ? alphabet[Int(v & 63)] : UInt8(ascii: "="))
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
