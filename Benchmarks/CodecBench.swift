// Throughput of the WebSocket codec, compiled with Sources/WebSocket/*.swift by
// Scripts/bench-codec (swiftc -O -wmo, one module). Prints GB/s (10^9 bytes/s of payload),
// then the masking keys a second and 16-byte client frames a second.

@inline(never)
func blackHole(_ value: UInt64) {
    if value == 0x1234_5678_9ABC_DEF0 { print("unlikely") }
}

func seconds(_ duration: Duration) -> Double {
    let (s, atto) = duration.components
    return Double(s) + Double(atto) / 1e18
}

/// Runs `body` (which processes `bytesPerRun` payload bytes) until ~`budget` seconds
/// have passed; returns the best-of-5 rounds throughput in GB/s.
func measure(bytesPerRun: Int, budget: Double = 0.4, _ body: () -> UInt64) -> Double {
    let clock = ContinuousClock()
    var sink: UInt64 = 0
    // Warm up and size a round.
    var runs = 1
    while true {
        let t = clock.measure { for _ in 0..<runs { sink &+= body() } }
        if seconds(t) > budget / 5 || runs > 1 << 24 { break }
        runs *= 2
    }
    var best = 0.0
    for _ in 0..<5 {
        let t = clock.measure { for _ in 0..<runs { sink &+= body() } }
        best = max(best, Double(bytesPerRun * runs) / seconds(t) / 1e9)
    }
    blackHole(sink)
    return best
}

/// A buffer of back-to-back frames of `size` payload bytes, at least `total` bytes long.
func frames(size: Int, total: Int, masked: Bool, opcode: WebSocketOpcode) -> (bytes: [UInt8], payload: Int) {
    let payload = (0..<size).map { UInt8(truncatingIfNeeded: ($0 &* 31) & 0x7F) }  // ASCII, so text works too
    let key: WebSocketMaskingKey? = masked ? WebSocketMaskingKey(networkOrder: 0x1234_5678) : nil
    let one = WebSocketFrameEncoder.encode(opcode: opcode, payload: payload, maskKey: key)
    let count = max(1, total / one.count)
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count * one.count)
    for _ in 0..<count { bytes += one }
    return (bytes, count * size)
}

/// Decodes `bytes` delivered in reads of `readSize` bytes, as a socket loop would.
func decode(_ bytes: inout [UInt8], configuration: WebSocketDecoderConfiguration, readSize: Int) -> UInt64 {
    var decoder = WebSocketDecoder(configuration: configuration)
    var sum: UInt64 = 0
    bytes.withUnsafeMutableBytes { all in
        var start = 0
        while start < all.count {
            let end = min(all.count, start + readSize)
            let piece = UnsafeMutableRawBufferPointer(rebasing: all[start..<end])
            var index = 0
            do {
                while let event = try decoder.parseStep(piece, index: &index) {
                    if case .data(let chunk) = event {
                        sum &+= UInt64(chunk.bytes.count)
                        if let first = chunk.bytes.first { sum &+= UInt64(first) }
                    }
                }
            } catch {
                fatalError("\(error)")
            }
            start = end
        }
    }
    return sum
}

@main
struct CodecBench {
    static func main() {
        let sizes = [(1024, "1 KiB"), (32 * 1024, "32 KiB"), (1024 * 1024, "1 MiB")]
        let readSize = 256 * 1024
        print("payload GB/s (best of 5); decoder fed \(readSize / 1024) KiB reads; 4 MiB of frames per run")
        print("decode+unmask: server role, masked frames, unmasked in place")
        print("decode(client): unmasked frames as LXD sends them; zero-copy, the payload is not touched")
        print("decode text: unmasked ASCII text frames, UTF-8 validated")
        print("frame    decode+unmask  decode(client)  decode text  encodeInPlace+mask  encode->[UInt8]")
        for (size, label) in sizes {
            let total = max(4 << 20, size * 4)
            var masked = frames(size: size, total: total, masked: true, opcode: .binary)
            var plain = frames(size: size, total: total, masked: false, opcode: .binary)
            var text = frames(size: size, total: total, masked: false, opcode: .text)
            let server = WebSocketDecoderConfiguration(role: .server, maxFrameSize: 1 << 21)
            let client = WebSocketDecoderConfiguration(role: .client, maxFrameSize: 1 << 21)
            // Unmasking twice restores the bytes, so repeated runs stay valid.
            let decodeMasked = measure(bytesPerRun: masked.payload) { decode(&masked.bytes, configuration: server, readSize: readSize) }
            let decodePlain = measure(bytesPerRun: plain.payload) { decode(&plain.bytes, configuration: client, readSize: readSize) }
            let decodeText = measure(bytesPerRun: text.payload) { decode(&text.bytes, configuration: client, readSize: readSize) }

            var encoder = WebSocketFrameEncoder(role: .client)
            let headroom = WebSocketFrameEncoder.maxHeaderLength
            var sendBuffer = [UInt8](repeating: 0x41, count: headroom + size)
            let encodeInPlace = measure(bytesPerRun: size) {
                sendBuffer.withUnsafeMutableBytes { buffer in
                    let range = encoder.encodeInPlace(buffer, payloadOffset: headroom, payloadCount: size, opcode: .binary)
                    return UInt64(range.count) &+ UInt64(buffer[range.lowerBound])
                }
            }
            let payload = [UInt8](repeating: 0x41, count: size)
            let encodeArray = measure(bytesPerRun: size) {
                let frame = encoder.binary(payload)
                return UInt64(frame.count) &+ UInt64(frame[frame.count - 1])
            }
            func f(_ x: Double) -> String {
                let hundredths = Int(x * 100 + 0.5)
                let cents = hundredths % 100
                let s = "\(hundredths / 100)." + (cents < 10 ? "0" : "") + "\(cents)"
                return String(repeating: " ", count: max(0, 8 - s.count)) + s
            }
            let pad = label + String(repeating: " ", count: max(0, 7 - label.count))
            print("\(pad)  \(f(decodeMasked))       \(f(decodePlain))        \(f(decodeText))     \(f(encodeInPlace))            \(f(encodeArray))")
        }
        // The masking keys alone (one per client frame): what a keystroke-sized frame pays.
        var generator = WebSocketMaskingKeyGenerator()
        let keysPerRun = 4096
        let keys = measure(bytesPerRun: keysPerRun) {
            var x: UInt64 = 0
            for _ in 0..<keysPerRun { x &+= UInt64(generator.next().networkOrder) }
            return x
        }
        var encoder = WebSocketFrameEncoder(role: .client)
        var small = [UInt8](repeating: 0x41, count: WebSocketFrameEncoder.maxHeaderLength + 16)
        let tiny = measure(bytesPerRun: 1) {
            small.withUnsafeMutableBytes { buffer in
                let range = encoder.encodeInPlace(buffer, payloadOffset: WebSocketFrameEncoder.maxHeaderLength, payloadCount: 16, opcode: .binary)
                return UInt64(range.count) &+ UInt64(buffer[range.lowerBound])
            }
        }
        print("masking keys: \(Int(keys * 1000 + 0.5)) M keys/s; 16-byte frames encodeInPlace+mask: \(Int(tiny * 1000 + 0.5)) M frames/s")
    }
}
