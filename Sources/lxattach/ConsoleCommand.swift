import ArgumentParser
import Glibc
import LXD
import Terminal
import Transport

/// `lxattach console [remote:]instance`: the instance's console, like `lxc console`.
struct ConsoleCommand: ParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "console",
            abstract: "Attach to an instance's console (detach with Ctrl+a q).",
            discussion: """
                The terminal is raw while attached and restored on every way out. Exit \
                status: 0 when detached or when the console closes (the instance stopped); \
                255 when lxattach fails.
                """)
    }

    @OptionGroup var global: GlobalOptions

    @Flag(name: .long, help: "Print the console log and exit.")
    var showLog = false

    @OptionGroup var recording: RecordOptions

    @Argument(help: "[remote:]instance")
    var instance: String

    func validate() throws {
        if let problem = recording.settings.problem { throw ValidationError(problem) }
        if showLog && recording.record != nil { throw ValidationError("--show-log prints the log: there is no session to record") }
    }

    func run() throws {
        let (client, reference, _) = try global.settings.routedClient(forInstance: instance)
        let name = reference.instance
        if showLog {
            let log: [UInt8]
            do { log = try client.consoleLog(instance: name) } catch { throw Failure(error) }
            log.withUnsafeBytes { _ = LocalIO.writeAll(1, $0) { true } }
            return
        }
        let size = WindowSize.of(fileDescriptor: 1) ?? WindowSize.of(fileDescriptor: 0)
        let settings = recording.settings
        let recordingFile = try settings.open(remote: reference.remote, instance: name, command: ["console"], size: size,
                                              interactive: true)
        let session: ExecSession
        do {
            session = try client.console(instance: name, width: size?.columns, height: size?.rows)
        } catch {
            discardRecording(recordingFile)
            throw Failure(error)
        }
        let terminal = ExecTerminal(interactive: true, stdin: 0, sizeSource: isatty(1) == 1 ? 1 : 0)
        let escape = ConsoleEscape()
        let recorder = recordingFile.map { settings.recorder($0, hooks: terminal, innerFilter: escape) }
        defer { recorder?.finish() }
        // Once raw: what is typed from here on reaches the console as typed (Enter is CR).
        Output.err("To detach from the console, press: <ctrl>+a q\r\n")
        var io = ExecIO(stdin: 0, stdout: 1, stderr: 2)
        io.inputFilter = escape
        if let recorder { io = recorder.watching(io, recordsInput: settings.input) }
        do {
            _ = try session.run(io, hooks: recorder ?? terminal, configuration: GlobalSettings.sessionConfiguration)
        } catch {
            terminal.restore()
            if isatty(2) == 1 { Output.err("\r\n") }
            throw Failure(error)
        }
        terminal.restore()
        if isatty(2) == 1 { Output.err("\r\n") }
    }
}
