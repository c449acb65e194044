/// How a message body is delimited (RFC 9112 §6).
public enum HTTPBodyFraming: Sendable, Equatable {
    /// Exactly this many bytes (Content-Length; 0: no body).
    case length(Int)
    /// Transfer-Encoding: chunked.
    case chunked
    /// Until the connection closes.
    case untilClose
}

/// A response body decoded as it arrives, never held whole: pure, no I/O. Feed the bytes
/// read after the head; each call hands the body bytes it found to `sink` (slices of the
/// input, no copy) and says how many input bytes it used. The bytes after the body's end
/// (the next response on a kept-alive connection) are not used.
public struct HTTPBodyDecoder: Sendable {
    private enum State: Sendable {
        case fixed(remaining: Int)
        case sizeLine
        case data(remaining: Int)
        case dataEnd          // the CRLF after a chunk's data
        case trailers
        case untilClose
        case done
    }

    private var state: State
    private var line: [UInt8] = []
    /// Longest chunk-size or trailer line accepted.
    public static let maxLineBytes = 8 * 1024

    public init(_ framing: HTTPBodyFraming) {
        switch framing {
        case .length(let n): state = n == 0 ? .done : .fixed(remaining: n)
        case .chunked: state = .sizeLine
        case .untilClose: state = .untilClose
        }
    }

    /// True once the whole body has been seen (never for `.untilClose`: see `finish`).
    public var isComplete: Bool { if case .done = state { return true } else { return false } }

    /// Decodes from `input`; returns the count of input bytes used (less than
    /// `input.count` only when the body ended).
    public mutating func decode(_ input: UnsafeRawBufferPointer, sink: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        var i = 0
        let n = input.count
        while i < n {
            switch state {
            case .done:
                return i
            case .untilClose:
                try sink(UnsafeRawBufferPointer(rebasing: input[i..<n]))
                return n
            case .fixed(let remaining):
                let take = min(remaining, n - i)
                try sink(UnsafeRawBufferPointer(rebasing: input[i..<(i + take)]))
                i += take
                state = remaining == take ? .done : .fixed(remaining: remaining - take)
            case .data(let remaining):
                let take = min(remaining, n - i)
                try sink(UnsafeRawBufferPointer(rebasing: input[i..<(i + take)]))
                i += take
                state = remaining == take ? .dataEnd : .data(remaining: remaining - take)
            case .sizeLine, .dataEnd, .trailers:
                let b = input[i]
                i += 1
                guard b == 10 else {
                    line.append(b)
                    if line.count > Self.maxLineBytes { throw HTTPError.malformedResponse("chunk line too long") }
                    continue
                }
                if line.last == 13 { line.removeLast() }
                defer { line.removeAll(keepingCapacity: true) }
                switch state {
                case .dataEnd:
                    guard line.isEmpty else { throw HTTPError.malformedResponse("no CRLF after chunk data") }
                    state = .sizeLine
                case .trailers:
                    if line.isEmpty { state = .done }
                default:
                    let size = try HTTPChunkSize.parse(line[...])
                    state = size == 0 ? .trailers : .data(remaining: size)
                }
            }
        }
        return n
    }

    /// At end of input: fine for `.untilClose` (the body ends there) and a complete body;
    /// anything else was cut short.
    public mutating func finish() throws(HTTPError) {
        switch state {
        case .untilClose, .done: state = .done
        default: throw .connectionClosedEarly
        }
    }
}

/// The chunked transfer coding of a request body sent as it is read (length unknown:
/// stdin).
public enum HTTPChunkedEncoder {
    /// The line that goes before `count` bytes of data (`"1f4\r\n"`); the data is then
    /// followed by CRLF.
    public static func header(count: Int) -> [UInt8] { Array((String(count, radix: 16) + "\r\n").utf8) }
    /// The last chunk and the end of the body (no trailers).
    public static let end: [UInt8] = Array("0\r\n\r\n".utf8)
}
