// libFuzzer harness for the JSON parser and writer (built by Scripts/fuzz, see
// Fuzz/Package.swift).
//
// Input: the bytes of a JSON text. Beyond "no crash" (deep nesting included: the depth
// limit must stop the recursion), every value the parser accepts must round-trip:
// parse(serialize(v)) == v, compact and pretty; serializing is a fixpoint, byte-exact;
// the String and the byte entry points agree, accept or reject alike.
import Glibc
import FuzzMain
import JSON

func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let parsed: JSONValue
    do {
        parsed = try JSONValue.parse(bytes)
    } catch {
        precondition(!error.description.isEmpty, "an error without a description")
        precondition(!error.description.contains("\n"), "a multi-line error description")
        // Valid UTF-8 text must be rejected by the String entry point too.
        if let text = String(validating: bytes, as: UTF8.self) {
            precondition((try? JSONValue.parse(text)) == nil, "String and byte parsers disagree (accepted)")
        }
        return 0
    }
    if let text = String(validating: bytes, as: UTF8.self) {
        precondition((try? JSONValue.parse(text)) == parsed, "String and byte parsers disagree")
    }
    let compact = parsed.serializedBytes()
    guard let again = try? JSONValue.parse(compact) else {
        preconditionFailure("the writer's output does not parse: \(String(decoding: compact, as: UTF8.self))")
    }
    precondition(again == parsed, "parse(serialize(v)) != v")
    precondition(again.serializedBytes() == compact, "serializing is not a fixpoint")
    let pretty = parsed.serializedBytes(pretty: true)
    precondition((try? JSONValue.parse(pretty)) == parsed, "the pretty output does not parse back to v")
    return 0
}

@main
enum Main {
    static func main() {
        runFuzzer(fuzzJSON)
    }
}
