/// An asciicast v2 recording as a pure value: bytes and times in, complete JSON lines out.
///
/// Each event is one line, `[seconds, "o", text]\n` (output), `"i"` (input) or
/// `[seconds, "r", "COLSxROWS"]\n` (a resize), appended whole to the caller's buffer: a
/// file that holds any prefix of these lines is a valid recording. Each byte stream (the
/// output, a second output such as stderr, the input) carries its own unfinished UTF-8
/// sequence to its next piece (`AsciicastText`), so one stream never breaks a character
/// of another; a piece that leaves no complete character makes no line. Both outputs are
/// `"o"` events (asciicast has one output stream), in the order they are given.
///
/// Time is passed in (monotonic nanoseconds), never read: an event's time is its
/// distance from `start`, and never less than the previous event's (a clock that went
/// backwards, or times passed out of order, repeat the last time instead).
public struct AsciicastRecorder: Sendable {
    /// The monotonic time of the recording's start (second 0).
    public let start: UInt64
    private var output = AsciicastText()
    private var secondOutput = AsciicastText()
    private var input = AsciicastText()
    /// The last event's time, in microseconds since `start`.
    private var lastMicroseconds: UInt64 = 0

    public init(start: UInt64) {
        self.start = start
    }

    /// The byte streams of a recording.
    public enum Stream: Sendable {
        /// The output (a terminal's, or a command's stdout): `"o"`.
        case output
        /// A second output (a command's stderr), also `"o"`, decoded apart.
        case secondOutput
        /// What was typed (or piped): `"i"`.
        case input
    }

    /// Output the terminal showed, at `now`.
    public mutating func output(_ bytes: UnsafeRawBufferPointer, at now: UInt64, to out: inout [UInt8]) {
        text(bytes, .output, at: now, to: &out)
    }

    /// Input that was typed (or piped), at `now`.
    public mutating func input(_ bytes: UnsafeRawBufferPointer, at now: UInt64, to out: inout [UInt8]) {
        text(bytes, .input, at: now, to: &out)
    }

    /// The terminal's new size, at `now`.
    public mutating func resize(columns: Int, rows: Int, at now: UInt64, to out: inout [UInt8]) {
        openEvent(code: UInt8(ascii: "r"), at: now, to: &out)
        Self.appendDecimal(UInt64(max(0, columns)), to: &out)
        out.append(UInt8(ascii: "x"))
        Self.appendDecimal(UInt64(max(0, rows)), to: &out)
        closeEvent(to: &out)
    }

    /// The end: an unfinished sequence of either stream becomes one U+FFFD, in its own
    /// event (no line when nothing was held back).
    public mutating func finish(at now: UInt64, to out: inout [UInt8]) {
        if output.carried > 0 {
            openEvent(code: UInt8(ascii: "o"), at: now, to: &out)
            output.finish(to: &out)
            closeEvent(to: &out)
        }
        if secondOutput.carried > 0 {
            openEvent(code: UInt8(ascii: "o"), at: now, to: &out)
            secondOutput.finish(to: &out)
            closeEvent(to: &out)
        }
        if input.carried > 0 {
            openEvent(code: UInt8(ascii: "i"), at: now, to: &out)
            input.finish(to: &out)
            closeEvent(to: &out)
        }
    }

    /// `bytes` of `stream`, at `now`: one line, or none when they finish no character.
    public mutating func text(_ bytes: UnsafeRawBufferPointer, _ stream: Stream, at now: UInt64, to out: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        let mark = out.count
        let last = lastMicroseconds
        openEvent(code: stream == .input ? UInt8(ascii: "i") : UInt8(ascii: "o"), at: now, to: &out)
        let body = out.count
        switch stream {
        case .output: output.append(bytes, to: &out)
        case .secondOutput: secondOutput.append(bytes, to: &out)
        case .input: input.append(bytes, to: &out)
        }
        if out.count == body {
            // Only the start of a character: nothing to show yet.
            out.removeSubrange(mark...)
            lastMicroseconds = last
            return
        }
        closeEvent(to: &out)
    }

    /// `[seconds, "c", "` with the time made monotonic.
    private mutating func openEvent(code: UInt8, at now: UInt64, to out: inout [UInt8]) {
        let micros = now > start ? (now - start) / 1000 : 0
        if micros > lastMicroseconds { lastMicroseconds = micros }
        out.append(UInt8(ascii: "["))
        Self.appendSeconds(lastMicroseconds, to: &out)
        // Byte by byte: an array literal here was an allocation per event.
        out.append(UInt8(ascii: ","))
        out.append(UInt8(ascii: " "))
        out.append(UInt8(ascii: "\""))
        out.append(code)
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ","))
        out.append(UInt8(ascii: " "))
        out.append(UInt8(ascii: "\""))
    }

    private func closeEvent(to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: "]"))
        out.append(0x0A)
    }

    /// `12.000345`: whole seconds, a point, six digits (asciinema's own precision).
    static func appendSeconds(_ micros: UInt64, to out: inout [UInt8]) {
        appendDecimal(micros / 1_000_000, to: &out)
        out.append(UInt8(ascii: "."))
        let fraction = micros % 1_000_000
        var divisor: UInt64 = 100_000
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(fraction / divisor % 10))
            divisor /= 10
        }
    }

    static func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
        var divisor: UInt64 = 1
        while divisor <= value / 10 { divisor *= 10 }
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }
}
