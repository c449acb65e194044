#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A point on the monotonic clock (CLOCK_MONOTONIC, nanoseconds) by which a blocking
/// setup-phase operation must finish. `.never` waits forever.
///
/// Setup calls (connect, TLS handshake, HTTP request/response) take a `Deadline` rather
/// than a timeout so that one budget covers a chain of steps.
public struct Deadline: Sendable, Hashable, Comparable {
    /// Monotonic nanoseconds; `UInt64.max` means never.
    public let nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static let never = Deadline(nanoseconds: .max)

    /// Now on the monotonic clock.
    public static func now() -> Deadline { Deadline(nanoseconds: monotonicNanoseconds()) }

    /// `seconds` from now (negative or zero: already expired).
    public static func after(seconds: Double) -> Deadline {
        if seconds.isInfinite || seconds.isNaN { return .never }
        let now = monotonicNanoseconds()
        if seconds <= 0 { return Deadline(nanoseconds: now) }
        let delta = seconds * 1e9
        if delta >= Double(UInt64.max - now) { return .never }
        return Deadline(nanoseconds: now + UInt64(delta))
    }

    public static func after(milliseconds: Int) -> Deadline {
        after(seconds: Double(milliseconds) / 1000)
    }

    public var isNever: Bool { nanoseconds == .max }

    public var hasExpired: Bool { !isNever && monotonicNanoseconds() >= nanoseconds }

    /// Milliseconds left, rounded up, for poll(2): -1 for `.never`, 0 when expired.
    public var remainingMilliseconds: Int32 {
        if isNever { return -1 }
        let now = monotonicNanoseconds()
        if now >= nanoseconds { return 0 }
        let ms = (nanoseconds - now + 999_999) / 1_000_000
        return ms > UInt64(Int32.max) ? Int32.max : Int32(ms)
    }

    /// The earlier of two deadlines.
    public func earlier(_ other: Deadline) -> Deadline { self < other ? self : other }

    public static func < (a: Deadline, b: Deadline) -> Bool { a.nanoseconds < b.nanoseconds }
}

/// CLOCK_MONOTONIC in nanoseconds.
public func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}
