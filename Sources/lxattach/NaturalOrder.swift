/// lxc's row order for tables (`cli.SortColumnsNaturally`): rows compare column by
/// column from the left; the first differing column decides; an empty cell sorts after
/// any other; cells compare in natural order (runs of digits by numeric value).
enum NaturalOrder {
    static func sorted(_ rows: [[String]]) -> [[String]] {
        rows.sorted(by: rowLess)
    }

    static func rowLess(_ a: [String], _ b: [String]) -> Bool {
        for (k, x) in a.enumerated() {
            let y = k < b.count ? b[k] : ""
            if x == y { continue }
            if x.isEmpty { return false }
            if y.isEmpty { return true }
            return less(x, y)
        }
        return false
    }

    /// Natural order on bytes: a digit sorts before a non-digit; non-digits compare
    /// bytewise; digit runs compare by value (leading zeros skipped, the longer number
    /// is larger), then by fewer leading zeros; a string that is a prefix of the
    /// other sorts first.
    static func less(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        func digit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
        var i = 0, j = 0
        while i < x.count && j < y.count {
            let dx = digit(x[i]), dy = digit(y[j])
            if dx != dy { return dx }
            if !dx {
                if x[i] != y[j] { return x[i] < y[j] }
                i += 1
                j += 1
                continue
            }
            var zi = i, zj = j
            while zi < x.count && x[zi] == 0x30 { zi += 1 }
            while zj < y.count && y[zj] == 0x30 { zj += 1 }
            var ei = zi, ej = zj
            while ei < x.count && digit(x[ei]) { ei += 1 }
            while ej < y.count && digit(y[ej]) { ej += 1 }
            if ei - zi != ej - zj { return ei - zi < ej - zj }
            let nx = x[zi..<ei], ny = y[zj..<ej]
            if nx != ny { return nx.lexicographicallyPrecedes(ny) }
            if zi - i != zj - j { return zi - i < zj - j }
            i = ei
            j = ej
        }
        return x.count - i < y.count - j
    }
}
