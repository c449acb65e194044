// libFuzzer harness for the session recorder (built by Scripts/fuzz, see Fuzz/Package.swift).
//
// Input: the first byte picks how the rest is cut into pieces (a piece of 1 to 64 bytes,
// the lengths drawn from the input's own bytes), the rest is output. Every line the
// recorder makes must be one JSON text ([time, "o", text]) with a text that is valid
// UTF-8 without an unescaped control character, times must never go back, and the texts
// joined must be exactly Swift's decoding of the whole (U+FFFD per maximal ill-formed
// subpart): the cuts never change the text.
import Glibc
import JSON
import FuzzMain
import Asciicast

func fuzzAsciicast(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let seed = data[0]
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    var recorder = AsciicastRecorder(start: 0)
    var out: [UInt8] = []
    var i = 0
    var time: UInt64 = 0
    while i < bytes.count {
        let length = 1 + Int((bytes[i] ^ seed) % 64)
        let end = min(bytes.count, i + length)
        bytes[i..<end].withUnsafeBytes { recorder.output($0, at: time, to: &out) }
        time += UInt64(bytes[i]) * 1000
        i = end
    }
    recorder.finish(at: time, to: &out)
    precondition(out.isEmpty || out.last == 0x0A, "the output ends inside a line")
    var text = ""
    var last = -1.0
    for line in out.split(separator: 0x0A) {
        precondition(!line.contains { $0 < 0x20 || $0 == 0x7F }, "an unescaped control character")
        guard let value = try? JSONValue.parse(Array(line)), let event = value.arrayValue, event.count == 3,
              case .number(let t) = event[0], event[1].stringValue == "o", let piece = event[2].stringValue else {
            preconditionFailure("not an event line: \(String(decoding: line, as: UTF8.self))")
        }
        precondition(t.doubleValue >= last, "time went back")
        last = t.doubleValue
        precondition(!piece.isEmpty, "an empty event")
        text += piece
    }
    precondition(text == String(decoding: bytes, as: UTF8.self), "the text is not the stream's decoding")
    return 0
}

@main
enum Main {
    static func main() {
        runFuzzer(fuzzAsciicast)
    }
}
