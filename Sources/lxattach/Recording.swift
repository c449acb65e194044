import ArgumentParser
import Asciicast
import Glibc
import LXD
import Terminal
import Transport

/// `--record FILE` and `--record-input`, for `shell`, `exec` and `console`.
struct RecordOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Record the session into FILE, a new file (asciicast v2: `asciinema play FILE`).", valueName: "FILE"),
            completion: .file())
    var record: String?

    @Flag(name: .long, help: "With --record: record what is typed too (passwords included).")
    var recordInput = false

    var settings: RecordSettings { RecordSettings(path: record, input: recordInput) }
}

/// The recording options as plain values (exec's fast path fills them in by hand).
struct RecordSettings {
    var path: String?
    var input = false
    /// The command the title names, when not the one run (`shell`: `su -l`, never the
    /// `--env` values its login command carries).
    var titleCommand: [String]?

    /// What contradicts, in the words of a usage error (nil: nothing).
    var problem: String? {
        if path?.isEmpty == true { return "--record takes a file name" }
        if input && path == nil { return "--record-input records into the --record FILE: give --record FILE too" }
        return nil
    }

    /// Creates the file and writes its header, before the session starts (an existing
    /// file is refused: nothing is started); nil without `--record`.
    func open(remote: String, instance: String, command: [String], size: WindowSize?, interactive: Bool) throws -> RecordingFile? {
        guard let path else { return nil }
        if let problem { throw Failure(problem) }
        let env: (String) -> String? = { getenv($0).map { String(cString: $0) } }
        let header = AsciicastHeader(
            width: size?.columns ?? 80, height: size?.rows ?? 24, timestamp: Int64(time(nil)),
            term: env("TERM"), shell: env("SHELL"),
            title: "\(remote):\(instance) " + (titleCommand ?? command).map(Self.quotedIfNeeded).joined(separator: " "))
        do {
            return try RecordingFile(creating: path, header: header.line) { line in
                // In raw mode the line starts and ends itself.
                if interactive && isatty(2) == 1 {
                    Output.err("\r\nWarning: " + line + "\r\n")
                } else {
                    Output.err("Warning: " + line + "\n")
                }
            }
        } catch {
            throw Failure(error.description)
        }
    }

    /// The recorder of one session around `hooks` (and a console's input filter).
    func recorder(_ file: RecordingFile, hooks: ExecHooks, innerFilter: ExecInputFilter? = nil) -> SessionRecorder {
        SessionRecorder(file: file, start: monotonicNanoseconds(), hooks: hooks, innerFilter: innerFilter)
    }

    /// A command word as a shell would need it in the title (`sh -c 'echo hi'`).
    static func quotedIfNeeded(_ word: String) -> String {
        let plain = !word.isEmpty && word.utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || "-_./=:,+@%".utf8.contains(b)
        }
        return plain ? word : ShellCommand.singleQuoted(word)
    }
}

/// Removes a recording that never got its session (the exec could not start).
func discardRecording(_ file: RecordingFile?) {
    guard let file else { return }
    var none: [UInt8] = []
    file.close(last: &none)
    unlink(file.path)
}
