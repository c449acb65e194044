import WebSocket

// TEMPORARY minimal codec used until Sources/WebSocket lands; the adapter's names are
// what WebSocketChannel uses.

enum CodecOpcode {
    static let continuation: UInt8 = 0x0
    static let text: UInt8 = 0x1
    static let binary: UInt8 = 0x2
    static let close: UInt8 = 0x8
    static let ping: UInt8 = 0x9
    static let pong: UInt8 = 0xA
}

enum CodecEvent {
    case data(UnsafeMutableRawBufferPointer, text: Bool, messageEnd: Bool)
    case ping([UInt8])
    case pong
    case close(UInt16?, String)
}

struct CodecError: Error, CustomStringConvertible {
    var code: UInt16
    var description: String
}

func codecCloseCode(for error: any Error) -> UInt16 { (error as? CodecError)?.code ?? 1002 }

nonisolated(unsafe) private var keyGenerator = SystemRandomNumberGenerator()
func codecNextMaskKey() -> UInt32 { UInt32(truncatingIfNeeded: keyGenerator.next()) }

func codecEncodeHeader(into p: UnsafeMutableRawPointer, opcode: UInt8, fin: Bool, count: Int, key: UInt32) -> Int {
    p.storeBytes(of: (fin ? 0x80 : 0) | opcode, as: UInt8.self)
    var i: Int
    if count < 126 {
        p.storeBytes(of: 0x80 | UInt8(count), toByteOffset: 1, as: UInt8.self); i = 2
    } else if count <= 0xFFFF {
        p.storeBytes(of: 0x80 | 126, toByteOffset: 1, as: UInt8.self)
        p.storeBytes(of: UInt16(count).bigEndian, toByteOffset: 2, as: UInt16.self); i = 4
    } else {
        p.storeBytes(of: 0x80 | 127, toByteOffset: 1, as: UInt8.self)
        p.storeBytes(of: UInt64(count).bigEndian, toByteOffset: 2, as: UInt64.self); i = 10
    }
    p.storeBytes(of: key.bigEndian, toByteOffset: i, as: UInt32.self)
    return i + 4
}

func codecMask(_ buf: UnsafeMutableRawBufferPointer, key: UInt32) {
    let k = [UInt8(key >> 24), UInt8((key >> 16) & 0xFF), UInt8((key >> 8) & 0xFF), UInt8(key & 0xFF)]
    for i in 0..<buf.count { buf[i] ^= k[i & 3] }
}

struct CodecDecoder {
    private var remaining = 0
    private var opcode: UInt8 = 0
    private var fin = false
    private var messageText = false
    private var inData = false

    mutating func next(_ buf: UnsafeMutableRawBufferPointer) throws -> (Int, CodecEvent?) {
        if inData {
            let n = min(remaining, buf.count)
            if n == 0 && remaining > 0 { return (0, nil) }
            remaining -= n
            if remaining == 0 { inData = false }
            return (n, .data(UnsafeMutableRawBufferPointer(rebasing: buf[0..<n]), text: messageText, messageEnd: remaining == 0 && fin))
        }
        guard buf.count >= 2 else { return (0, nil) }
        let b0 = buf[0], b1 = buf[1]
        if b0 & 0x70 != 0 { throw CodecError(code: 1002, description: "reserved bits set") }
        if b1 & 0x80 != 0 { throw CodecError(code: 1002, description: "masked frame from server") }
        var len = Int(b1 & 0x7F)
        var h = 2
        if len == 126 {
            guard buf.count >= 4 else { return (0, nil) }
            len = Int(buf[2]) << 8 | Int(buf[3]); h = 4
        } else if len == 127 {
            guard buf.count >= 10 else { return (0, nil) }
            var v: UInt64 = 0
            for i in 2..<10 { v = v << 8 | UInt64(buf[i]) }
            guard v < 1 << 40 else { throw CodecError(code: 1009, description: "frame too large") }
            len = Int(v); h = 10
        }
        let op = b0 & 0x0F
        let isFin = b0 & 0x80 != 0
        if op >= 8 {
            guard len <= 125, isFin else { throw CodecError(code: 1002, description: "bad control frame") }
            guard buf.count >= h + len else { return (0, nil) }
            let payload = Array(UnsafeRawBufferPointer(rebasing: buf[h..<(h + len)]))
            switch op {
            case CodecOpcode.ping: return (h + len, .ping(payload))
            case CodecOpcode.pong: return (h + len, .pong)
            case CodecOpcode.close:
                let code: UInt16? = payload.count >= 2 ? UInt16(payload[0]) << 8 | UInt16(payload[1]) : nil
                let reason = payload.count > 2 ? String(decoding: payload[2...], as: UTF8.self) : ""
                return (h + len, .close(code, reason))
            default: throw CodecError(code: 1002, description: "unknown opcode \(op)")
            }
        }
        switch op {
        case CodecOpcode.continuation: break
        case CodecOpcode.text: messageText = true
        case CodecOpcode.binary: messageText = false
        default: throw CodecError(code: 1002, description: "unknown opcode \(op)")
        }
        opcode = op
        fin = isFin
        remaining = len
        inData = len > 0
        if len == 0 {
            return (h, .data(UnsafeMutableRawBufferPointer(rebasing: buf[h..<h]), text: messageText, messageEnd: fin))
        }
        return (h, nil)
    }
}
