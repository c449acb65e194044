/// Cuts one output stream into lines for fan-out's line-oriented sinks (prefixes,
/// JSON lines). Pure: bytes in, pieces out.
///
/// A piece is a whole line with its newline, or, at the end or when a line grows past
/// `maxLine` bytes (`cat` of a binary file), the bytes so far without one: memory per
/// stream stays bounded, and the pieces put back together are the stream, byte for byte.
struct LineSplitter {
    static let maxLine = 64 * 1024
    private(set) var partial: [UInt8] = []

    /// Feeds a chunk; `emit(piece, complete)` runs for every piece that is ready.
    mutating func feed(_ chunk: UnsafeRawBufferPointer, _ emit: (UnsafeRawBufferPointer, Bool) -> Void) {
        var start = 0
        let count = chunk.count
        while start < count {
            guard let nl = Self.newline(in: chunk, from: start) else {
                let rest = UnsafeRawBufferPointer(rebasing: chunk[start..<count])
                if partial.count + rest.count < Self.maxLine {
                    partial.append(contentsOf: rest)
                } else {
                    // Full: out as a piece of its own, in maxLine steps.
                    var from = start
                    while from < count {
                        let take = min(Self.maxLine - partial.count, count - from)
                        partial.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[from..<(from + take)]))
                        from += take
                        if partial.count >= Self.maxLine { flushPartial(emit) }
                    }
                }
                return
            }
            let line = UnsafeRawBufferPointer(rebasing: chunk[start...nl])
            if partial.isEmpty {
                emit(line, true)
            } else {
                partial.append(contentsOf: line)
                partial.withUnsafeBytes { emit($0, true) }
                partial.removeAll(keepingCapacity: true)
            }
            start = nl + 1
        }
    }

    /// The end of the stream: what is left, without a newline.
    mutating func finish(_ emit: (UnsafeRawBufferPointer, Bool) -> Void) {
        if !partial.isEmpty { flushPartial(emit) }
    }

    private mutating func flushPartial(_ emit: (UnsafeRawBufferPointer, Bool) -> Void) {
        partial.withUnsafeBytes { emit($0, false) }
        partial.removeAll(keepingCapacity: true)
    }

    private static func newline(in chunk: UnsafeRawBufferPointer, from: Int) -> Int? {
        guard from < chunk.count, let base = chunk.baseAddress else { return nil }
        guard let p = memchr(base + from, 0x0A, chunk.count - from) else { return nil }
        return UnsafeRawPointer(p) - base
    }
}

#if canImport(Glibc)
import Glibc
#endif
