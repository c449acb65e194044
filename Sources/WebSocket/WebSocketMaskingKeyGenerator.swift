import SwiftShims

/// Fresh, unpredictable masking keys (RFC 6455 §5.3: "MUST be derived from a strong source
/// of entropy"; §10.3 explains why: a predictable key lets a script poison proxies).
///
/// Keys come from the standard library's CSPRNG (the same source as
/// `SystemRandomNumberGenerator`, `getrandom(2)` on Linux), but read 1 KiB at a time so a
/// busy connection makes one syscall per 256 frames instead of one per frame.
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

    /// Fills `buffer` with random bytes from the system CSPRNG in one call.
    public static func fillRandom(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        swift_stdlib_random(base, buffer.count)
    }

    private mutating func refill() {
        if keys.count != Self.batchCount {
            keys = [UInt32](repeating: 0, count: Self.batchCount)
        }
        keys.withUnsafeMutableBytes { Self.fillRandom($0) }
        index = 0
    }
}
