// libFuzzer harness for the HTTP/1.1 response parser (built by Scripts/fuzz, see
// Fuzz/Package.swift).
//
// Input: byte 0 selects the request method (GET or HEAD), the limits (defaults or small
// ones) and a chunk size; the rest is what the server sent. Invariants beyond "no crash":
// - parsing the bytes whole and split into chunks gives the same outcome: the same
//   response and leftover bytes, the same error, or the same result at EOF;
// - the leftover is the input's tail; no body for HEAD, 1xx, 204, 304; limits hold;
// - serialize∘parse round-trips: a complete response written back canonically (its
//   status line and fields, the body with Content-Length) parses to the same response.
import Glibc
import FuzzMain
import HTTP

private enum Outcome: Equatable {
    case complete(HTTPResponse, leftover: [UInt8])
    case error(HTTPError)
    case endOfFile(HTTPResponse?, HTTPError?)
}

private func run(_ input: [UInt8], method: String, limits: HTTPResponseParser.Limits, chunk: Int) -> Outcome {
    var parser = HTTPResponseParser(requestMethod: method, limits: limits)
    var start = 0
    while start < input.count {
        let end = min(input.count, start + chunk)
        do throws(HTTPError) {
            if case .complete(let response, let leftover) = try parser.parse(Array(input[start..<end])) {
                return .complete(response, leftover: leftover + input[end...])
            }
        } catch {
            return .error(error)
        }
        start = end
    }
    do throws(HTTPError) {
        return .endOfFile(try parser.finish(), nil)
    } catch {
        return .endOfFile(nil, error)
    }
}

/// The response written back: status line, fields other than the framing ones, and
/// the body with a Content-Length.
private func canonical(_ r: HTTPResponse) -> [UInt8] {
    var out = Array("\(r.version) \(threeDigits(r.status)) \(r.reason)\r\n".utf8)
    for (name, value) in r.headers where !isFraming(name) {
        out += Array("\(name): \(value)\r\n".utf8)
    }
    out += Array("Content-Length: \(r.body.count)\r\n\r\n".utf8)
    return out + r.body
}

private func threeDigits(_ n: Int) -> String {
    let s = String(n)
    return String(repeating: "0", count: max(0, 3 - s.count)) + s
}

private func isFraming(_ name: String) -> Bool {
    let lower = name.lowercased()
    return lower == "content-length" || lower == "transfer-encoding"
}

private func withoutFraming(_ h: HTTPHeaders) -> HTTPHeaders {
    HTTPHeaders(h.filter { !isFraming($0.name) }.map { ($0.name, $0.value) })
}

private func check(_ r: HTTPResponse, method: String, limits: HTTPResponseParser.Limits) {
    precondition(r.body.count <= limits.maxBodyBytes, "body over the limit")
    precondition(r.headers.count <= limits.maxHeaderCount, "more header fields than the limit")
    precondition(r.status >= 100 && r.status <= 999, "status out of range")
    if method == "HEAD" || r.status < 200 || r.status == 204 || r.status == 304 {
        precondition(r.body.isEmpty, "a body where none is allowed")
    }
}

func fuzzHTTPResponse(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    guard size >= 1 else { return 0 }
    let selector = data[0]
    let method = selector & 1 == 0 ? "GET" : "HEAD"
    let limits = selector & 2 == 0
        ? HTTPResponseParser.Limits()
        : HTTPResponseParser.Limits(maxHeaderBytes: 256, maxHeaderCount: 8, maxBodyBytes: 512)
    let chunk = Int(selector >> 2) + 1
    let input = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))

    let whole = run(input, method: method, limits: limits, chunk: Int.max)
    let split = run(input, method: method, limits: limits, chunk: chunk)
    precondition(whole == split, "whole and chunked parsing disagree: \(whole) vs \(split)")

    switch whole {
    case .error(let error):
        precondition(!error.description.contains("\n"), "a multi-line error")
    case .endOfFile(let response, _):
        if let response { check(response, method: method, limits: limits) }
    case .complete(let response, let leftover):
        check(response, method: method, limits: limits)
        precondition(leftover.count <= input.count && input.suffix(leftover.count).elementsEqual(leftover),
                     "the leftover is not the input's tail")
        guard response.status >= 200, response.status != 204, response.status != 304, method == "GET" else { break }
        // Room for the Content-Length field we add.
        let roomy = HTTPResponseParser.Limits(maxHeaderBytes: limits.maxHeaderBytes + 64,
                                              maxHeaderCount: limits.maxHeaderCount + 1,
                                              maxBodyBytes: limits.maxBodyBytes)
        let bytes = canonical(response)
        // Invalid UTF-8 in a field comes back as U+FFFD (3 bytes): skip heads that grew past the room.
        guard bytes.count - response.body.count <= roomy.maxHeaderBytes else { break }
        guard case .complete(let again, let rest) = run(bytes, method: method, limits: roomy, chunk: Int.max) else {
            preconditionFailure("the canonical form does not parse: \(String(decoding: bytes, as: UTF8.self))")
        }
        precondition(rest.isEmpty, "the canonical form left bytes over")
        precondition(again.status == response.status && again.reason == response.reason
                     && again.version == response.version, "status line changed in the round trip")
        precondition(withoutFraming(again.headers) == withoutFraming(response.headers), "fields changed in the round trip")
        precondition(again.body == response.body, "body changed in the round trip")
        precondition(again.keepAlive == response.keepAlive || !response.keepAlive, "keep-alive gained in the round trip")
    }
    return 0
}

@main
enum Main {
    static func main() {
        runFuzzer(fuzzHTTPResponse)
    }
}
