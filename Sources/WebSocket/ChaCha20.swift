/// The ChaCha20 block function (RFC 8439 §2.3): 64 bytes of keystream from a 256-bit key,
/// a 32-bit block counter and a 96-bit nonce. The masking-key generator expands a fresh
/// system-random key with it, so a busy connection asks the kernel for entropy once per
/// batch of keys instead of once per frame.
enum ChaCha20 {
    /// "expand 32-byte k" as four little-endian words (§2.3).
    static let constants: (UInt32, UInt32, UInt32, UInt32) = (0x6170_7865, 0x3320_646E, 0x7962_2D32, 0x6B20_6574)

    /// Writes blocks `counter`, `counter + 1`, … into `output` (16 words a block, in the
    /// order of the state; serialized little-endian they are the RFC's keystream bytes).
    /// `key` holds 8 words, `nonce` 3; `output.count` must be a multiple of 16.
    static func blocks(
        key: UnsafeBufferPointer<UInt32>, nonce: (UInt32, UInt32, UInt32), counter: UInt32,
        into output: UnsafeMutableBufferPointer<UInt32>
    ) {
        precondition(key.count == 8 && output.count % 16 == 0)
        var block = counter
        var offset = 0
        while offset < output.count {
            let s: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32,
                    UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) =
                (constants.0, constants.1, constants.2, constants.3,
                 key[0], key[1], key[2], key[3], key[4], key[5], key[6], key[7],
                 block, nonce.0, nonce.1, nonce.2)
            var w = s
            for _ in 0..<10 {
                quarterRound(&w.0, &w.4, &w.8, &w.12)
                quarterRound(&w.1, &w.5, &w.9, &w.13)
                quarterRound(&w.2, &w.6, &w.10, &w.14)
                quarterRound(&w.3, &w.7, &w.11, &w.15)
                quarterRound(&w.0, &w.5, &w.10, &w.15)
                quarterRound(&w.1, &w.6, &w.11, &w.12)
                quarterRound(&w.2, &w.7, &w.8, &w.13)
                quarterRound(&w.3, &w.4, &w.9, &w.14)
            }
            let o = output.baseAddress! + offset
            o[0] = w.0 &+ s.0; o[1] = w.1 &+ s.1; o[2] = w.2 &+ s.2; o[3] = w.3 &+ s.3
            o[4] = w.4 &+ s.4; o[5] = w.5 &+ s.5; o[6] = w.6 &+ s.6; o[7] = w.7 &+ s.7
            o[8] = w.8 &+ s.8; o[9] = w.9 &+ s.9; o[10] = w.10 &+ s.10; o[11] = w.11 &+ s.11
            o[12] = w.12 &+ s.12; o[13] = w.13 &+ s.13; o[14] = w.14 &+ s.14; o[15] = w.15 &+ s.15
            block &+= 1
            offset += 16
        }
    }

    @inline(__always)
    private static func quarterRound(_ a: inout UInt32, _ b: inout UInt32, _ c: inout UInt32, _ d: inout UInt32) {
        a &+= b; d ^= a; d = d << 16 | d >> 16
        c &+= d; b ^= c; b = b << 12 | b >> 20
        a &+= b; d ^= a; d = d << 8 | d >> 24
        c &+= d; b ^= c; b = b << 7 | b >> 25
    }
}
