// The recorder's own cost, with no I/O: AsciicastRecorder turning 64 MiB of output into
// asciicast lines in memory, in 2 KiB pieces (the size of a PTY session's frames). Built
// with Sources/Asciicast's recorder and escaper in one optimized module by
// Scripts/bench-record, which sets it beside a whole session's CPU per MiB. Prints, per
// case, the best of 5 rounds in CPU milliseconds (user+sys) per MiB of output:
//   text <ms/MiB>   a PTY's text: the bench's `yes` line, its newline turned into CR LF
//   nul <ms/MiB>    NUL bytes (six bytes of JSON each)
import Glibc

func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    return user + system
}

/// Best CPU ms per MiB of recording `input` in `piece`-byte pieces, over 5 rounds.
func measure(_ input: [UInt8], piece: Int = 2048) -> Double {
    var best = Double.infinity
    var sink = 0
    for _ in 0..<5 {
        var recorder = AsciicastRecorder(start: 0)
        var lines: [UInt8] = []
        lines.reserveCapacity(1 << 20)
        let start = cpuSeconds()
        input.withUnsafeBytes { all in
            var at = 0
            var now: UInt64 = 1
            while at < all.count {
                let n = min(piece, all.count - at)
                recorder.output(UnsafeRawBufferPointer(rebasing: all[at..<at + n]), at: now, to: &lines)
                now &+= 1000
                at += n
                // As SessionRecorder hands lines over: every 256 KiB.
                if lines.count >= 256 << 10 {
                    sink &+= lines.count
                    lines.removeAll(keepingCapacity: true)
                }
            }
        }
        sink &+= lines.count
        best = min(best, (cpuSeconds() - start) * 1000 / Double(input.count >> 20))
    }
    if sink == 42 { print("unlikely") }
    return best
}

@main
enum RecorderBench {
    static func main() {
        let size = 64 << 20
        let line = Array("the quick brown fox jumps over the lazy dog 0123456789\r\n".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(size + line.count)
        while text.count < size { text += line }
        text.removeLast(text.count - size)
        let nuls = [UInt8](repeating: 0, count: size)
        let textCost = measure(text)
        let nulCost = measure(nuls)
        print("text", textCost)
        print("nul", nulCost)
    }
}
