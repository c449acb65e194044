/// Removes secrets from text meant for debug traces:
/// - the value of any `secret=` URL parameter (up to `&`, whitespace, quote, `#`, `<`);
/// - every run of 64 or more hex digits (LXD's fd secrets, also as JSON values under
///   "fds"; certificate fingerprints are caught too, which is harmless);
/// - the values of `Sec-WebSocket-Key`, `Sec-WebSocket-Accept`, `Authorization`,
///   `Cookie` and `Set-Cookie` header lines;
/// - the values (not the names) in a JSON `"environment"` object of strings, as an exec
///   request carries `--env` (often credentials) and the daemon echoes it.
/// Each secret becomes `<redacted>`.
public func redactSecrets(_ text: String) -> String {
    let input = redactEnvironmentValues(Array(text.utf8))
    var out = [UInt8]()
    out.reserveCapacity(input.count)
    let redacted = Array("<redacted>".utf8)
    let secretKey = Array("secret=".utf8)
    let headerNames = ["sec-websocket-key", "sec-websocket-accept", "authorization", "cookie", "set-cookie"].map { Array($0.utf8) }

    var i = 0
    var atLineStart = true
    while i < input.count {
        // Header lines (optionally prefixed by a trace marker "> " or "< ").
        if atLineStart {
            atLineStart = false
            var j = i
            if j + 1 < input.count, input[j] == UInt8(ascii: ">") || input[j] == UInt8(ascii: "<"), input[j + 1] == 32 { j += 2 }
            for name in headerNames where matchesCaseInsensitive(input, at: j, name) {
                let colon = j + name.count
                if colon < input.count, input[colon] == UInt8(ascii: ":") {
                    out.append(contentsOf: input[i...colon])
                    out.append(32)
                    out.append(contentsOf: redacted)
                    var k = colon + 1
                    while k < input.count, input[k] != 10, input[k] != 13 { k += 1 }
                    i = k
                    break
                }
            }
            if i >= input.count { break }
        }
        let b = input[i]
        if b == 10 {
            atLineStart = true
            out.append(b)
            i += 1
            continue
        }
        // secret=VALUE
        if (b == UInt8(ascii: "s") || b == UInt8(ascii: "S")) && matchesCaseInsensitive(input, at: i, secretKey)
            && (i == 0 || !isWordByte(input[i - 1])) {
            out.append(contentsOf: input[i..<(i + secretKey.count)])
            var k = i + secretKey.count
            while k < input.count, !isSecretTerminator(input[k]) { k += 1 }
            if k > i + secretKey.count { out.append(contentsOf: redacted) }
            i = k
            continue
        }
        // Runs of >= 64 hex digits, bounded by non-hex.
        if isHex(b) && (i == 0 || !isHex(input[i - 1])) {
            var k = i
            while k < input.count, isHex(input[k]) { k += 1 }
            if k - i >= 64 {
                out.append(contentsOf: redacted)
            } else {
                out.append(contentsOf: input[i..<k])
            }
            i = k
            continue
        }
        out.append(b)
        i += 1
    }
    return String(decoding: out, as: UTF8.self)
}

private func matchesCaseInsensitive(_ input: [UInt8], at start: Int, _ lowerPattern: [UInt8]) -> Bool {
    guard start + lowerPattern.count <= input.count else { return false }
    for (offset, p) in lowerPattern.enumerated() {
        var c = input[start + offset]
        if c >= 65 && c <= 90 { c |= 0x20 }
        if c != p { return false }
    }
    return true
}

private func isHex(_ b: UInt8) -> Bool {
    (b >= 48 && b <= 57) || (b >= 97 && b <= 102) || (b >= 65 && b <= 70)
}

private func isWordByte(_ b: UInt8) -> Bool {
    (b >= 48 && b <= 57) || (b >= 97 && b <= 122) || (b >= 65 && b <= 90) || b == UInt8(ascii: "_") || b == UInt8(ascii: "-")
}

private func isSecretTerminator(_ b: UInt8) -> Bool {
    switch b {
    case UInt8(ascii: "&"), UInt8(ascii: "#"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "<"),
         UInt8(ascii: ">"), 32, 9, 10, 13:
        return true
    default:
        return false
    }
}

/// `"environment": {"K": "V", …}` → `"environment": {"K": "<redacted>", …}`: every string
/// value of the object; the scan stops at anything else (a truncated body included).
private func redactEnvironmentValues(_ input: [UInt8]) -> [UInt8] {
    let key = Array("\"environment\"".utf8)
    var out: [UInt8] = []
    var i = 0
    func skipSpace(_ k: inout Int) { while k < input.count, [32, 9, 10, 13].contains(input[k]) { k += 1 } }
    /// The end (after the closing quote) of the JSON string starting at `k`, or nil.
    func stringEnd(_ k: Int) -> Int? {
        guard k < input.count, input[k] == UInt8(ascii: "\"") else { return nil }
        var j = k + 1
        while j < input.count {
            if input[j] == UInt8(ascii: "\\") { j += 2; continue }
            if input[j] == UInt8(ascii: "\"") { return j + 1 }
            j += 1
        }
        return nil
    }
    while i < input.count {
        guard matchesCaseInsensitive(input, at: i, key) else { out.append(input[i]); i += 1; continue }
        var k = i + key.count
        skipSpace(&k)
        guard k < input.count, input[k] == UInt8(ascii: ":") else { out.append(input[i]); i += 1; continue }
        k += 1
        skipSpace(&k)
        guard k < input.count, input[k] == UInt8(ascii: "{") else { out.append(input[i]); i += 1; continue }
        k += 1
        out.append(contentsOf: input[i..<k])
        i = k
        // Members: "name" : "value" , … }
        while true {
            skipSpace(&k)
            guard let nameEnd = stringEnd(k) else { break }
            var v = nameEnd
            skipSpace(&v)
            guard v < input.count, input[v] == UInt8(ascii: ":") else { break }
            v += 1
            skipSpace(&v)
            guard let valueEnd = stringEnd(v) else {
                if v < input.count, input[v] == UInt8(ascii: "\"") {
                    // Cut short (a truncated trace body): hide the rest of the value too.
                    out.append(contentsOf: input[i..<v])
                    out.append(contentsOf: Array("\"<redacted>".utf8))
                    i = input.count
                }
                break
            }
            out.append(contentsOf: input[i..<v])
            out.append(contentsOf: Array("\"<redacted>\"".utf8))
            k = valueEnd
            i = k
            skipSpace(&k)
            guard k < input.count, input[k] == UInt8(ascii: ",") else { break }
            k += 1
        }
    }
    return out
}
