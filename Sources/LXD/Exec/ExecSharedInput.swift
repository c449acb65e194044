import Transport

/// One local input read once and sent to many sessions (fan-out's `--stdin`): every
/// session reads it through its own `Reader`, at its own pace.
///
/// Bytes are kept from the slowest reader's position on; the descriptor is read again
/// only while less than `window` bytes are held, so memory stays bounded and the
/// slowest session sets the pace (as with `tee` into N pipes). A reader that goes away
/// (its session ended) no longer holds anything back.
///
/// Not `Sendable`: it and its readers live on the thread of the `ExecEventLoop` that
/// drives the sessions.
public final class ExecSharedInput {
    /// The descriptor read once for every session.
    public let fileDescriptor: Int32
    /// The most bytes held for readers that are behind.
    public let window: Int
    private var buffer: [UInt8] = []
    /// The input offset of `buffer[0]`.
    private var base = 0
    /// EOF (or a read error, which ends the input the same way) was seen.
    private(set) var ended = false
    /// Each open reader's input offset.
    private var positions: [Int: Int] = [:]
    private var nextID = 0

    /// Reads `fileDescriptor`, holding at most `window` bytes that some reader has not taken.
    public init(fileDescriptor: Int32, window: Int = 1 << 20) {
        self.fileDescriptor = fileDescriptor
        self.window = max(window, 64 * 1024)
    }

    /// A new reader at the start of the input. Take every reader before the first read:
    /// bytes that no reader needed any more are gone.
    public func reader() -> Reader {
        let id = nextID
        nextID += 1
        positions[id] = base
        return Reader(source: self, id: id)
    }

    /// Reads once from the descriptor (it was polled readable): appends what came.
    func fill(maxCount: Int) {
        guard !ended, buffer.count < window else { return }
        let count = min(maxCount, window - buffer.count)
        let old = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: count))
        let r = buffer.withUnsafeMutableBytes {
            LocalIO.read(fileDescriptor, into: UnsafeMutableRawBufferPointer(rebasing: $0[old..<(old + count)]))
        }
        switch r {
        case .bytes(let n): buffer.removeLast(count - n)
        case .again: buffer.removeLast(count)
        case .eof, .failed:
            buffer.removeLast(count)
            ended = true
        }
    }

    private var end: Int { base + buffer.count }

    /// Bytes held for readers that are behind.
    var heldCount: Int { buffer.count }

    /// Drops what every open reader has passed (in large steps: removal moves the rest).
    private func trim() {
        let low = positions.values.min() ?? end
        if low - base >= min(window / 4, buffer.count) && low > base {
            buffer.removeFirst(low - base)
            base = low
        }
    }

    /// One session's view of the shared input.
    public final class Reader {
        let source: ExecSharedInput
        let id: Int

        init(source: ExecSharedInput, id: Int) {
            self.source = source
            self.id = id
        }

        private var position: Int? { source.positions[id] }

        /// Every byte was taken and the input has ended.
        var isAtEnd: Bool {
            guard let p = position else { return true }
            return source.ended && p == source.end
        }

        /// Nothing to take now, and the descriptor may be read for more (within the window).
        var wantsRead: Bool {
            guard let p = position else { return false }
            return !source.ended && p == source.end && source.buffer.count < source.window
        }

        /// Hands up to `maxCount` unread bytes to `body`, and counts as taken what it returns.
        func take(maxCount: Int, _ body: (UnsafeRawBufferPointer) -> Void) -> Int {
            guard let p = position, p < source.end else { return 0 }
            let from = p - source.base
            let count = min(maxCount, source.buffer.count - from)
            source.buffer.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[from..<(from + count)])) }
            source.positions[id] = p + count
            source.trim()
            return count
        }

        /// This reader wants nothing more (its session ended).
        public func close() {
            source.positions[id] = nil
            source.trim()
        }
    }
}
