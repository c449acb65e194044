// libFuzzer harness for the WebSocket decoder (built by Scripts/fuzz, see Fuzz/Package.swift).
//
// Input: byte 0 selects the configuration (role, minimal-length policy, the default
// unlimited data sizes or small policy limits) and a chunk size; the rest is the byte stream. The stream is decoded twice, whole and split into
// chunks, and both runs must agree on every completed message and on the error. It also
// checks invariants: complete text messages are valid UTF-8, control payloads are at
// most 125 bytes, messages respect the size limit.
import Glibc
import FuzzMain
import WebSocket

private enum Item: Equatable {
    case text([UInt8]), binary([UInt8]), ping([UInt8]), pong([UInt8]), close(WebSocketCloseFrame)
    case error(String, UInt16)
}

private func run(_ input: [UInt8], _ configuration: WebSocketDecoderConfiguration, chunk: Int) -> [Item] {
    var decoder = WebSocketDecoder(configuration: configuration)
    var items: [Item] = []
    var message: [UInt8] = []
    var kind: WebSocketMessageKind?
    var start = 0
    var buffer = input
    buffer.withUnsafeMutableBytes { all in
        while start < all.count {
            let end = min(all.count, start + chunk)
            let piece = UnsafeMutableRawBufferPointer(rebasing: all[start..<end])
            start = end
            var index = 0
            do throws(WebSocketProtocolError) {
                while let event = try decoder.parseStep(piece, index: &index) {
                    switch event {
                    case .data(let c):
                        if c.isMessageStart {
                            precondition(kind == nil, "message start inside a message")
                            kind = c.kind
                            message.removeAll()
                        }
                        precondition(kind == c.kind, "chunk kind changed inside a message")
                        message.append(contentsOf: c.bytes)
                        precondition(message.count <= configuration.maxMessageSize ?? .max, "message over limit")
                        if c.isMessageEnd {
                            if c.kind == .text {
                                precondition(UTF8Validator.isValid(message), "invalid UTF-8 delivered")
                                items.append(.text(message))
                            } else {
                                items.append(.binary(message))
                            }
                            kind = nil
                        }
                    case .ping(let p):
                        precondition(p.count <= 125)
                        items.append(.ping(p))
                    case .pong(let p):
                        precondition(p.count <= 125)
                        items.append(.pong(p))
                    case .close(let f):
                        items.append(.close(f))
                    }
                }
                precondition(index == piece.count, "decoder left bytes unconsumed")
            } catch {
                items.append(.error(error.description, error.closeCode.code))
                // A failed decoder must keep failing with the same error.
                var again = 0
                do throws(WebSocketProtocolError) {
                    _ = try decoder.parseStep(piece, index: &again)
                    preconditionFailure("decoder recovered after an error")
                } catch let second {
                    precondition(second == error, "decoder changed its error")
                }
                return
            }
        }
    }
    return items
}

func fuzzDecoder(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    guard size >= 1 else { return 0 }
    let selector = data[0]
    let limited = selector & 4 != 0
    let configuration = WebSocketDecoderConfiguration(
        role: selector & 1 == 0 ? .client : .server,
        maxFrameSize: limited ? 4096 : nil,
        maxMessageSize: limited ? 8192 : nil,
        maxBufferedMessageSize: 8192,
        requireMinimalLengths: selector & 2 == 0)
    let chunk = Int(selector >> 3) + 1
    let input = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let whole = run(input, configuration, chunk: Int.max)
    let split = run(input, configuration, chunk: chunk)
    precondition(whole == split, "whole and chunked decoding disagree")
    // The assembler on top must agree with the same stream.
    var reader = WebSocketMessageReader(configuration: configuration)
    _ = try? reader.read(input)
    return 0
}

@main
enum Main {
    static func main() {
        runFuzzer(fuzzDecoder)
    }
}
