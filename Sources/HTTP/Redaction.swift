/// Removes secrets from text meant for debug traces:
/// - the value of any `secret=` URL parameter (up to `&`, whitespace, quote, `#`, `<`);
/// - every run of 64 or more hex digits (LXD's fd secrets, also as JSON values under
///   "fds"; certificate fingerprints are caught too, which is harmless);
/// - the values of `Sec-WebSocket-Key`, `Sec-WebSocket-Accept`, `Authorization`,
///   `Cookie` and `Set-Cookie` header lines.
/// Each secret becomes `<redacted>`.
public func redactSecrets(_ text: String) -> String {
    let input = Array(text.utf8)
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
