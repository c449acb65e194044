import Asciicast
import LXD
import Transport

/// Records one session into a `RecordingFile` as asciicast v2, from the session's own
/// paths: it observes the output after it was written (`ExecOutputObserver`), sees input
/// before it is sent (`ExecInputFilter`, only with `recordsInput`), and wraps the
/// session's hooks (an `ExecTerminal`) to note each resize it sends and to hand the
/// lines of a loop turn to the writer at the turn's end.
///
/// Everything runs on the loop's thread; the file's writer process does the writing.
/// When the recording ends early (full disk, I/O error, stalled disk) the file warns
/// once and the session goes on unrecorded.
public final class SessionRecorder: ExecOutputObserver, ExecInputFilter, ExecHooks {
    private var recorder: AsciicastRecorder
    private let file: RecordingFile
    private let hooks: ExecHooks?
    private let innerFilter: ExecInputFilter?
    /// Lines of this loop turn, not yet handed over.
    private var lines: [UInt8] = []
    private var ended: Bool { file.stopped }
    /// Lines handed over at once past this size (a turn with much output).
    static let handOverSize = 256 << 10

    /// - Parameters:
    ///   - start: monotonic time of second 0 (the session's start).
    ///   - hooks: the session's own hooks (resizes are recorded as they are sent).
    ///   - innerFilter: an input filter that still applies (a console's Ctrl+a q).
    public init(file: RecordingFile, start: UInt64, hooks: ExecHooks?, innerFilter: ExecInputFilter? = nil) {
        recorder = AsciicastRecorder(start: start)
        self.file = file
        self.hooks = hooks
        self.innerFilter = innerFilter
    }

    /// `io` with this recorder watching its output (and its input, when `recordsInput`).
    public func watching(_ io: ExecIO, recordsInput: Bool) -> ExecIO {
        var io = io
        io.outputObserver = self
        if recordsInput { io.inputFilter = self }
        return io
    }

    // MARK: - ExecOutputObserver

    public func observe(_ chunk: UnsafeRawBufferPointer, to stream: ExecStream) {
        guard !ended else { return }
        // stdout and stderr are two byte streams: each keeps its own unfinished character.
        recorder.text(chunk, stream == .stderr ? .secondOutput : .output, at: monotonicNanoseconds(), to: &lines)
        if lines.count >= Self.handOverSize { handOver() }
    }

    // MARK: - ExecInputFilter

    public func filter(_ chunk: UnsafeRawBufferPointer) -> ExecInputDecision {
        if !ended { recorder.input(chunk, at: monotonicNanoseconds(), to: &lines) }
        return innerFilter?.filter(chunk) ?? .send
    }

    // MARK: - ExecHooks

    public var pollDescriptor: Int32? { hooks?.pollDescriptor }

    public func readable() -> [ExecControlAction] {
        let actions = hooks?.readable() ?? []
        if !ended {
            for case .resize(let columns, let rows) in actions {
                recorder.resize(columns: columns, rows: rows, at: monotonicNanoseconds(), to: &lines)
            }
        }
        return actions
    }

    public func check() -> [ExecControlAction] {
        handOver()
        return hooks?.check() ?? []
    }

    // MARK: - The file

    private func handOver() {
        file.handOver(&lines)
    }

    /// The session is over: what is held back is handed over and the file closed, waiting
    /// for the disk a bounded time. Idempotent.
    public func finish() {
        guard !finished else { return }
        finished = true
        if !ended { recorder.finish(at: monotonicNanoseconds(), to: &lines) }
        file.close(last: &lines)
    }

    private var finished = false
}
