import ArgumentParser
import Glibc

/// `--env` and `--env-file` for `exec` and `shell`, as docker's `-e` and `--env-file`
/// (parsing in `EnvironmentEntries`). Files come first, then `--env`; a later entry for
/// the same name wins.
struct EnvironmentOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Environment variable to set: KEY=VALUE, or KEY alone to pass its local value (repeatable).",
        valueName: "KEY[=VALUE]"))
    var env: [String] = []

    @Option(name: .customLong("env-file"), help: ArgumentHelp(
        "Read environment variables from a file: KEY=VALUE or KEY per line, # comments (repeatable).",
        valueName: "FILE"))
    var envFile: [String] = []

    func validate() throws {
        for item in env where item.isEmpty || item.hasPrefix("=") {
            throw ValidationError("Bad --env value \"\(item)\": expected KEY=VALUE or KEY")
        }
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
