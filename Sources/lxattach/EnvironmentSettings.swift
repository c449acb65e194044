import Glibc
import Transport

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

    /// The local TERM (a terminal's type goes with every command, as with lxc), then the
    /// entries: what an exec's environment holds.
    func execEnvironment() throws -> [(String, String)] { Self.localTerm + (try resolved()) }

    /// `TERM` as set here, if it is.
    static var localTerm: [(String, String)] { getenv("TERM").map { [("TERM", String(cString: $0))] } ?? [] }

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
        switch LocalIO.readFile(path, limit: maxFileSize) {
        case .bytes(let bytes): return bytes
        case .tooLarge: throw Failure("--env-file \(path): larger than \(maxFileSize) bytes")
        case .failed(let e): throw Failure("--env-file \(path): \(String(cString: strerror(e)))")
        }
    }
}
