// lxattach-config <path-to-config.yml>
//
// Reads lxc's config.yml with Yams and prints the normalized JSON (`LXCConfig.json`) on
// stdout; on failure prints one line `Error: <reason>` on stderr and exits 1. lxattach runs
// this only when config.yml changed, so that it never links Foundation and Yams itself (see
// Sources/LXD/Config/ConfigLoader.swift).
import Foundation
import LXDConfigYAML

/// One line `Error: <message>` on stderr; returns the exit status.
func fail(_ message: String, status: Int32 = 1) -> Int32 {
    FileHandle.standardError.write(Data("Error: \(message)\n".utf8))
    return status
}

/// The whole run, returning the exit status: every value is released before the process
/// exits (LeakSanitizer cannot follow the packed pointers of values still alive at exit).
func run(_ arguments: [String]) -> Int32 {
    guard arguments.count == 2, !arguments[1].hasPrefix("-") || arguments[1] == "-" else {
        return fail("usage: lxattach-config <path-to-config.yml>", status: 2)
    }
    let path = arguments[1]
    let data: Data
    do {
        data = path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: path))
    } catch let error as CocoaError where error.code == .fileReadNoSuchFile {
        return fail("no such file")
    } catch {
        return fail((error as NSError).localizedDescription)
    }
    guard let text = String(data: data, encoding: .utf8) else { return fail("the file is not valid UTF-8") }
    do {
        let json = try ConfigYAML.normalizedJSON(text)
        FileHandle.standardOutput.write(Data((json + "\n").utf8))
    } catch {
        return fail(error.description)
    }
    return 0
}

exit(run(CommandLine.arguments))
