/// XOR masking of payload bytes (RFC 6455 §5.3), in place, 16 bytes at a time.
///
/// Masking and unmasking are the same operation. `offset` is the position of
/// `buffer[0]` within the frame's payload, so a payload that arrives in pieces can be
/// unmasked piece by piece: byte `i` of the payload is XORed with `key[i % 4]`.
public enum WebSocketMasking: Sendable {
    /// XORs `buffer` with `key`, treating `buffer[0]` as payload byte `offset`.
    @inlinable
    public static func mask(
        _ buffer: UnsafeMutableRawBufferPointer,
        key: WebSocketMaskingKey,
        startingAt offset: Int = 0
    ) {
        guard let base = buffer.baseAddress else { return }
        let count = buffer.count
        if count == 0 { return }
        // Rotate the key so that memory byte 0 meets key byte (offset % 4).
        let rotation = offset & 3
        let b0 = key[rotation], b1 = key[rotation + 1], b2 = key[rotation + 2], b3 = key[rotation + 3]
        let little = UInt32(b0) | UInt32(b1) << 8 | UInt32(b2) << 16 | UInt32(b3) << 24
        let word32 = UInt32(littleEndian: little)  // stores as b0 b1 b2 b3 on any platform
        let word = UInt64(word32) | UInt64(word32) << 32
        // 64 bytes a turn in four 16-byte vectors (SSE2, the x86-64 baseline; NEON on arm64).
        let vector = SIMD2<UInt64>(repeating: word)
        var i = 0
        while i &+ 64 <= count {
            let v0 = base.loadUnaligned(fromByteOffset: i, as: SIMD2<UInt64>.self)
            let v1 = base.loadUnaligned(fromByteOffset: i &+ 16, as: SIMD2<UInt64>.self)
            let v2 = base.loadUnaligned(fromByteOffset: i &+ 32, as: SIMD2<UInt64>.self)
            let v3 = base.loadUnaligned(fromByteOffset: i &+ 48, as: SIMD2<UInt64>.self)
            base.storeBytes(of: v0 ^ vector, toByteOffset: i, as: SIMD2<UInt64>.self)
            base.storeBytes(of: v1 ^ vector, toByteOffset: i &+ 16, as: SIMD2<UInt64>.self)
            base.storeBytes(of: v2 ^ vector, toByteOffset: i &+ 32, as: SIMD2<UInt64>.self)
            base.storeBytes(of: v3 ^ vector, toByteOffset: i &+ 48, as: SIMD2<UInt64>.self)
            i &+= 64
        }
        while i &+ 8 <= count {
            let w = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            base.storeBytes(of: w ^ word, toByteOffset: i, as: UInt64.self)
            i &+= 8
        }
        // i is a multiple of 8 here, so memory byte i meets rotated key byte (i % 4) = 0.
        var k = 0
        let keyBytes = (b0, b1, b2, b3)
        while i < count {
            let m: UInt8
            switch k {
            case 0: m = keyBytes.0
            case 1: m = keyBytes.1
            case 2: m = keyBytes.2
            default: m = keyBytes.3
            }
            let byte = base.load(fromByteOffset: i, as: UInt8.self)
            base.storeBytes(of: byte ^ m, toByteOffset: i, as: UInt8.self)
            k = (k &+ 1) & 3
            i &+= 1
        }
    }
}
