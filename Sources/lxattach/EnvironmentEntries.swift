/// Environment variables given on the command line, read as docker reads `-e` and
/// `--env-file`: pure, the local environment passed in as a lookup.
///
/// - `KEY=VALUE` sets KEY; the value is taken verbatim (no quotes removed, no trimming).
/// - `KEY` alone passes KEY's local value (`docker exec -e KEY`); unset locally, it is
///   an error (docker would silently drop it).
/// - In a file: one entry per line, LF or CRLF; leading whitespace, blank lines and
///   `#` comment lines are ignored; a UTF-8 byte order mark at the start is skipped.
enum EnvironmentEntries {
    /// A bad entry, with where it came from.
    struct Problem: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    /// One `--env` value.
    static func entry(argument: String, lookup: (String) -> String?) throws(Problem) -> (String, String) {
        guard let eq = argument.firstIndex(of: "=") else {
            guard !argument.isEmpty else { throw Problem(description: "--env needs KEY=VALUE or KEY, got an empty value") }
            guard let value = lookup(argument) else {
                throw Problem(description: "--env \(argument): \(argument) is not set in the local environment")
            }
            return (argument, value)
        }
        guard eq != argument.startIndex else {
            throw Problem(description: "--env \"\(argument)\": no variable name before \"=\"")
        }
        return (String(argument[..<eq]), String(argument[argument.index(after: eq)...]))
    }

    /// The entries of an env file (`path` only names it in errors).
    static func entries(file contents: [UInt8], path: String, lookup: (String) -> String?) throws(Problem) -> [(String, String)] {
        var result: [(String, String)] = []
        var lines = contents.split(separator: 10, omittingEmptySubsequences: false)
        if contents.last == 10 { lines.removeLast() }
        for (index, raw) in lines.enumerated() {
            let number = index + 1
            func fail(_ why: String) -> Problem { Problem(description: "--env-file \(path) line \(number): \(why)") }
            var bytes = raw
            if bytes.last == 13 { bytes = bytes.dropLast() }
            if index == 0 && bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
            guard let text = String(validating: bytes, as: UTF8.self) else { throw fail("not valid UTF-8") }
            let line = text.drop { $0.isWhitespace }
            if line.isEmpty || line.first == "#" { continue }
            let eq = line.firstIndex(of: "=")
            let name = line[..<(eq ?? line.endIndex)]
            if name.isEmpty { throw fail("no variable name before \"=\" in \"\(line)\"") }
            if name.contains(where: { $0 == " " || $0 == "\t" }) {
                throw fail("variable name \"\(name)\" contains whitespace")
            }
            if let eq {
                result.append((String(name), String(line[line.index(after: eq)...])))
            } else if let value = lookup(String(name)) {
                result.append((String(name), value))
            } else {
                throw fail("\(name) is not set in the local environment")
            }
        }
        return result
    }
}
