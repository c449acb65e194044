import LXD

/// lxc's console escape: Ctrl+a then q detaches. Ctrl+a then anything else sends both
/// bytes; a Ctrl+a at the end of a chunk waits for the next byte.
final class ConsoleEscape: ExecInputFilter {
    static let ctrlA: UInt8 = 0x01
    private var pending = false

    func filter(_ chunk: UnsafeRawBufferPointer) -> ExecInputDecision {
        if !pending, !chunk.contains(Self.ctrlA) { return .send }
        var out: [UInt8] = []
        out.reserveCapacity(chunk.count + 1)
        for b in chunk {
            if pending {
                pending = false
                if b == UInt8(ascii: "q") { return .detach(out) }
                out += [Self.ctrlA, b]
            } else if b == Self.ctrlA {
                pending = true
            } else {
                out.append(b)
            }
        }
        return .replace(out)
    }
}
