/// Fresh, unpredictable masking keys (RFC 6455 §5.3: "MUST be derived from a strong source
/// of entropy"; §10.3 explains why: a predictable key lets a script poison proxies).
///
/// Standard library only. `SystemRandomNumberGenerator` reads the kernel's CSPRNG
/// (`getrandom(2)` on Linux), 8 bytes a call: one call per key would cost a system call
/// per frame or two. So each batch of 256 keys is ChaCha20's keystream (RFC 8439) under a
/// fresh 256-bit key drawn from `SystemRandomNumberGenerator`: 4 system calls per 256
/// frames, and no state outlives its batch.
public struct WebSocketMaskingKeyGenerator: Sendable {
    /// Keys per batch: 16 ChaCha20 blocks of 16 words.
    static let batchCount = 256
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

    /// Fills `buffer` with random bytes straight from `SystemRandomNumberGenerator` (the
    /// kernel's CSPRNG; one call per 8 bytes): for the handshake's 16-byte key.
    public static func fillRandom(_ buffer: UnsafeMutableRawBufferPointer) {
        var system = SystemRandomNumberGenerator()
        var offset = 0
        while offset < buffer.count {
            var word = system.next()
            for _ in 0..<min(8, buffer.count - offset) {
                buffer[offset] = UInt8(truncatingIfNeeded: word)
                word >>= 8
                offset += 1
            }
        }
    }

    private mutating func refill() {
        if keys.count != Self.batchCount {
            keys = [UInt32](repeating: 0, count: Self.batchCount)
        }
        var system = SystemRandomNumberGenerator()
        var key = [UInt32](repeating: 0, count: 8)
        for i in stride(from: 0, to: 8, by: 2) {
            let word = system.next()
            key[i] = UInt32(truncatingIfNeeded: word)
            key[i + 1] = UInt32(truncatingIfNeeded: word >> 32)
        }
        key.withUnsafeBufferPointer { key in
            keys.withUnsafeMutableBufferPointer { ChaCha20.blocks(key: key, nonce: (0, 0, 0), counter: 0, into: $0) }
        }
        index = 0
    }
}
