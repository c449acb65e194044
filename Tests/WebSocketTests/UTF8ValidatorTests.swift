import XCTest
import WebSocket

final class UTF8ValidatorTests: XCTestCase {
    func testAgreesWithStandardLibraryOnSamples() {
        let samples: [[UInt8]] = [
            Array("plain ascii that is longer than sixteen bytes".utf8),
            Array("κόσμε ∑ 𝄞 €".utf8),
            [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80],
            [0xF4, 0x8F, 0xBF, 0xBF],
            [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF0, 0x80, 0x80, 0xAF],
            [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0x80], [0xBF], [0xFE], [0xC2], [0xE2, 0x82],
        ]
        for sample in samples {
            XCTAssertEqual(UTF8Validator.isValid(sample), String(validating: sample, as: UTF8.self) != nil, "\(sample)")
        }
    }

    func testRandomSequencesAgreeWithStandardLibraryUnderEverySplit() {
        var rng = SplitMix64(seed: 42)
        let alphabet: [UInt8] = [0x41, 0x7F, 0x80, 0xBF, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5, 0xA0, 0x9F, 0x90, 0x8F]
        for _ in 0..<3000 {
            let count = Int.random(in: 0..<12, using: &rng)
            let bytes = (0..<count).map { _ in alphabet.randomElement(using: &rng)! }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            for split in 0...count {
                var validator = UTF8Validator()
                let ok = bytes.withUnsafeBytes {
                    validator.validate(UnsafeRawBufferPointer(rebasing: $0[..<split]))
                        && validator.validate(UnsafeRawBufferPointer(rebasing: $0[split...]))
                }
                XCTAssertEqual(ok && validator.isComplete, expected, "\(bytes) split at \(split)")
            }
        }
    }

    func testSplitCodePointIsIncompleteUntilFinished() {
        var validator = UTF8Validator()
        let euro: [UInt8] = [0xE2, 0x82, 0xAC]
        euro.withUnsafeBytes { bytes in
            XCTAssertTrue(validator.validate(UnsafeRawBufferPointer(rebasing: bytes[..<1])))
            XCTAssertFalse(validator.isComplete)
            XCTAssertTrue(validator.validate(UnsafeRawBufferPointer(rebasing: bytes[1...])))
            XCTAssertTrue(validator.isComplete)
        }
    }
}
