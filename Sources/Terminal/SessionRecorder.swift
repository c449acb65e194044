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
    /// Unchecked exclusivity: one thread (the loop's) uses them, several times a frame.
    @exclusivity(unchecked) private var recorder: AsciicastRecorder
    private let file: RecordingFile
    private let hooks: ExecHooks?
    private let innerFilter: ExecInputFilter?
    /// Lines not handed over yet, and when the first of them was made (0: none).
    @exclusivity(unchecked) private var lines: [UInt8] = []
    private var oldest: UInt64 = 0
    private var ended: Bool { file.stopped }
    /// Lines go to the writer at a turn's end once this many have gathered or the oldest
    /// is `handOverDelay` old (a quiet session's tail: at the next turn, within ~1 s),
    /// and at once past `handOverLimit`. Fewer, larger hand-overs: each one wakes the
    /// writer, and a wake-up per keystroke or per frame cost more than the writing.
    static let handOverSize = 256 << 10
    static let handOverDelay: UInt64 = 100_000_000
    static let handOverLimit = 1 << 20

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
        let now = monotonicNanoseconds()
        // stdout and stderr are two byte streams: each keeps its own unfinished character.
        recorder.text(chunk, stream == .stderr ? .secondOutput : .output, at: now, to: &lines)
        noteLines(now)
        if lines.count >= Self.handOverLimit { handOver(now) }
    }

    private func noteLines(_ now: UInt64) {
        if oldest == 0 && !lines.isEmpty { oldest = now }
    }

    // MARK: - ExecInputFilter

    public func filter(_ chunk: UnsafeRawBufferPointer) -> ExecInputDecision {
        if !ended {
            let now = monotonicNanoseconds()
            recorder.input(chunk, at: now, to: &lines)
            noteLines(now)
        }
        return innerFilter?.filter(chunk) ?? .send
    }

    // MARK: - ExecHooks

    public var pollDescriptor: Int32? { hooks?.pollDescriptor }

    public func readable() -> [ExecControlAction] {
        let actions = hooks?.readable() ?? []
        if !ended {
            for case .resize(let columns, let rows) in actions {
                let now = monotonicNanoseconds()
                recorder.resize(columns: columns, rows: rows, at: now, to: &lines)
                noteLines(now)
            }
        }
        return actions
    }

    public func check() -> [ExecControlAction] {
        let now = monotonicNanoseconds()
        if lines.count >= Self.handOverSize || (oldest != 0 && now &- oldest >= Self.handOverDelay) || file.isBehind {
            handOver(now)
        }
        return hooks?.check() ?? []
    }

    // MARK: - The file

    private func handOver(_ now: UInt64) {
        file.handOver(&lines, now: now)
        oldest = 0
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
