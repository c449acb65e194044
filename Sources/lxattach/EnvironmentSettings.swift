import Glibc

/// `--env` and `--env-file` as plain values (`EnvironmentOptions` parses them; exec's
/// fast path fills them in by hand): the lookup of local values and the files' reading.
struct EnvironmentSettings {
    var env: [String] = []
    var envFile: [String] = []

    /// What is wrong with the arguments, in the words of a usage error (nil: nothing).
    var problem: String? {
        for item in env where item.isEmpty || item.hasPrefix("=") {
            return "Bad --env value \"\(item)\": expected KEY=VALUE or KEY"
        }
        return nil
    }

    /// The entries in order, local values looked up, files read.
    func resolved() throws -> [(String, String)] {
        let lookup: (String) -> String? = { name in getenv(name).map { String(cString: $0) } }
        var result: [(String, String)] = []
        do {
            for path in envFile {
                let contents = try Self.readFile(path)
                result += try EnvironmentEntries.entries(file: contents, path: path, lookup: lookup)
            }
            for item in env { result.append(try EnvironmentEntries.entry(argument: item, lookup: lookup)) }
        } catch let problem as EnvironmentEntries.Problem {
            throw Failure(problem.description)
        }
        return result
    }

    /// Largest env file read: far more than any environment the kernel would take.
    static let maxFileSize = 1 << 20

    static func readFile(_ path: String) throws -> [UInt8] {
        func fail(_ e: Int32) -> Failure { Failure("--env-file \(path): \(String(cString: strerror(e)))") }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw fail(errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                bytes += chunk[0..<n]
                if bytes.count > maxFileSize { throw Failure("--env-file \(path): larger than \(maxFileSize) bytes") }
            } else if n == 0 {
                return bytes
            } else if errno != EINTR {
                throw fail(errno)
            }
        }
    }
}
