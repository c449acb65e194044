import XCTest

@testable import WebSocket

/// The masking keys' source: ChaCha20 (RFC 8439) over a system-random key per batch.
final class MaskingKeyTests: XCTestCase {
    /// Bytes 00 01 … 1f as little-endian words.
    private let rfcKey: [UInt32] = [
        0x0302_0100, 0x0706_0504, 0x0B0A_0908, 0x0F0E_0D0C, 0x1312_1110, 0x1716_1514, 0x1B1A_1918, 0x1F1E_1D1C,
    ]
    private let rfcNonce: (UInt32, UInt32, UInt32) = (0x0900_0000, 0x4A00_0000, 0)

    private func blocks(counter: UInt32, count: Int) -> [UInt32] {
        var out = [UInt32](repeating: 0, count: 16 * count)
        rfcKey.withUnsafeBufferPointer { key in
            out.withUnsafeMutableBufferPointer { ChaCha20.blocks(key: key, nonce: rfcNonce, counter: counter, into: $0) }
        }
        return out
    }

    /// RFC 8439 §2.3.2: key 00 01 … 1f, nonce 00:00:00:09:00:00:00:4a:00:00:00:00, block 1.
    func testTheRFC8439BlockVector() {
        XCTAssertEqual(blocks(counter: 1, count: 1), [
            0xE4E7_F110, 0x1559_3BD1, 0x1FDD_0F50, 0xC471_20A3, 0xC7F4_D1C7, 0x0368_C033, 0x9AAA_2204, 0x4E6C_D4C3,
            0x4664_82D2, 0x09AA_9F07, 0x05D7_C214, 0xA202_8BD9, 0xD19C_12B5, 0xB94E_16DE, 0xE883_D0CB, 0x4E3C_50A2,
        ])
    }

    /// The next block follows the counter (block 2 of the same key and nonce, as OpenSSL's
    /// ChaCha20 gives it).
    func testConsecutiveBlocksFollowTheCounter() {
        let two = blocks(counter: 1, count: 2)
        XCTAssertEqual(Array(two[0..<16]), blocks(counter: 1, count: 1))
        XCTAssertEqual(Array(two[16..<32]), [
            0x7783_880A, 0x4EBF_D739, 0xB0AC_CCF8, 0xD6B9_2BEA, 0x94C3_569D, 0xFD1D_35AA, 0x9F45_BFA5, 0xE89F_2E0A,
            0x92F8_21E7, 0x86C4_F955, 0x9C67_21BF, 0x9C4F_3D68, 0x27FA_F25C, 0x0026_5586, 0x37CA_065B, 0x3BAF_864C,
        ])
    }

    func testKeysDifferAcrossBatchesAndGenerators() {
        var a = WebSocketMaskingKeyGenerator()
        var b = WebSocketMaskingKeyGenerator()
        let count = 3 * WebSocketMaskingKeyGenerator.batchCount
        let fromA = (0..<count).map { _ in a.next().networkOrder }
        let fromB = (0..<count).map { _ in b.next().networkOrder }
        XCTAssertGreaterThan(Set(fromA).count, count - 2, "three batches of distinct keys")
        XCTAssertNotEqual(fromA, fromB, "each generator draws its own system-random keys")
        let batch = WebSocketMaskingKeyGenerator.batchCount
        XCTAssertNotEqual(Array(fromA[0..<batch]), Array(fromA[batch..<2 * batch]), "each batch has a fresh key")
    }

    func testFillRandomFillsOddLengths() {
        for length in [1, 7, 16, 17] {
            var seen = Set<[UInt8]>()
            for _ in 0..<8 {
                var bytes = [UInt8](repeating: 0, count: length)
                bytes.withUnsafeMutableBytes { WebSocketMaskingKeyGenerator.fillRandom($0) }
                seen.insert(bytes)
            }
            XCTAssertGreaterThan(seen.count, length == 1 ? 2 : 7, "length \(length)")
        }
    }
}
