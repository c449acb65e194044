/// FNV-1a, 64 bits: a small hash that never changes between runs, versions or machines,
/// for the names of cache files (`config-<hash>.json`, `cluster-<hash>.json`,
/// `tls-<hash>.session`). Not a defence against anyone choosing the input.
///
/// ```swift
/// var h = FNV1a64()
/// h.mix("https://127.0.1.1:8443".utf8)
/// print(h.hex)  // 6c36a9c6108208cf
/// ```
public struct FNV1a64: Sendable {
    /// The hash of what was mixed in so far (the offset basis before anything).
    public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

    /// The hash of nothing.
    public init() {}

    /// Mixes one byte in.
    @inline(__always)
    public mutating func mix(_ byte: UInt8) {
        value = (value ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    /// Mixes `bytes` in, in order.
    public mutating func mix<Bytes: Sequence<UInt8>>(_ bytes: Bytes) {
        for b in bytes { mix(b) }
    }

    /// `value` as 16 lowercase hex digits.
    public var hex: String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
