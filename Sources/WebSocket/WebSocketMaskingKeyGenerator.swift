#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Fresh, unpredictable masking keys (RFC 6455 §5.3: "MUST be derived from a strong source
/// of entropy"; §10.3 explains why: a predictable key lets a script poison proxies).
///
/// Keys come from the kernel's CSPRNG, `getrandom(2)` (the source of
/// `SystemRandomNumberGenerator` on Linux) through glibc's `arc4random_buf`, read 1 KiB
/// at a time so a busy connection makes one syscall per 256 frames instead of one per
/// frame.
public struct WebSocketMaskingKeyGenerator: Sendable {
    private static let batchCount = 256
    private var keys: [UInt32]
    private var index: Int

    /// An empty batch; the first `next()` fills it.
    public init() {
        keys = []
        index = 0
    }

    /// The next key.
    public mutating func next() -> WebSocketMaskingKey {
        if index == keys.count { refill() }
        let key = keys[index]
        index += 1
        return WebSocketMaskingKey(networkOrder: key)
    }

    /// Fills `buffer` with random bytes from the system CSPRNG in one call: glibc's
    /// `arc4random_buf` (2.36+) is one `getrandom(2)` for the whole buffer and never fails.
    public static func fillRandom(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        arc4random_buf(base, buffer.count)
    }

    private mutating func refill() {
        if keys.count != Self.batchCount {
            keys = [UInt32](repeating: 0, count: Self.batchCount)
        }
        keys.withUnsafeMutableBytes { Self.fillRandom($0) }
        index = 0
    }
}
