import ArgumentParser
import Glibc
import LXD
import Transport

/// `lxattach exec --detach`: starts the command with its output recorded by the daemon,
/// prints the operation id and returns at once (see `OperationCommand.Output`).
func runDetachedExec(global: GlobalSettings, instance raw: String, request: ExecRequest) throws {
    let (client, instance) = try global.client(forInstance: raw)
    let id: String
    do { id = try client.execDetached(instance: instance, request) } catch { throw Failure(error) }
    Output.out(id + "\n")
}

extension OperationCommand {
    struct OutputCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "output",
            abstract: "Wait for a detached exec and write its recorded output.",
            discussion: """
                For operations started by `lxattach exec --detach`: waits until the command \
                ends, writes its recorded stdout and stderr (byte-exact, stdout first) to ours, \
                deletes the recorded files unless --keep, and exits with the command's status.

                The daemon forgets an operation 5 s after it ends, and its exit status with it; \
                the recorded files stay (under /1.0/instances/<name>/logs/). Then this command \
                says so and exits 255; --without-status prints those files anyway (exit 0).
                """
        )
        @OptionGroup var global: GlobalOptions
        @Flag(name: .long, help: "Keep the recorded files on the daemon.")
        var keep = false
        @Flag(name: .long, help: "For an operation that is gone: print its recorded output, without a status.")
        var withoutStatus = false
        @Argument(help: "[remote:]<operation uuid>")
        var operation: String

        func run() throws {
            let (client, id) = try operationTarget(global: global.settings, operation)
            let op: Operation
            do {
                // Refuse at once what cannot have recorded output (exec with websockets).
                let current = try client.operations.get(id)
                if current.operationClass == "websocket" || current.operationClass == "token" {
                    throw Failure("operation \(id) has no recorded output (only `lxattach exec --detach` records it)")
                }
                op = try client.operations.wait(id)
            } catch let error as LXDError {
                guard case .api(404, _) = error else { throw Failure(error) }
                try gone(client: client, id: id)
                return
            }
            guard let recorded = RecordedOutput(op) else {
                throw Failure("operation \(id) has no recorded output (only `lxattach exec --detach` records it)")
            }
            try deliver(recorded, client: client)
            guard let status = recorded.exitStatus else {
                throw Failure("the command did not run: \(op.err.isEmpty ? "the daemon gave no exit status" : op.err)")
            }
            if !op.err.isEmpty, status == 126 || status == 127 {
                Output.error(status == 127 ? "Command not found" : "Command not executable")
            }
            throw ExitCode(Int32(truncatingIfNeeded: status))
        }

        /// The operation no longer exists: its recorded files may.
        func gone(client: LXDClient, id: String) throws {
            let found: RecordedOutput?
            do { found = try client.findRecordedOutput(operationID: id) } catch { throw Failure(error) }
            guard let found else {
                throw Failure("operation \(id) not found, and no instance has recorded output for it (finished operations vanish 5 s after they end; recorded output stays until deleted)")
            }
            if withoutStatus {
                try deliver(found, client: client)
                return
            }
            let files = [found.stdoutPath, found.stderrPath].compactMap { $0 }.joined(separator: " and ")
            throw Failure("operation \(id) has ended and is gone (the daemon forgets it 5 s after the end), so its exit status is lost; its recorded output is still on the daemon (\(files)): `lxattach operation output --without-status \(operation)` prints it\(keep ? "" : " and deletes it")")
        }

        /// Writes stdout's then stderr's recorded bytes, then deletes the files (unless --keep).
        func deliver(_ recorded: RecordedOutput, client: LXDClient) throws {
            for (path, fd) in [(recorded.stdoutPath, Int32(1)), (recorded.stderrPath, Int32(2))] {
                guard let path else { continue }
                let bytes: [UInt8]
                do { bytes = try client.fetchFile(path) } catch { throw Failure("cannot read \(path): \(error)") }
                let written = writeAll(fd, bytes)
                if written == .written { continue }
                if written == .readerGone && fd == 1 {
                    // Like a pipeline member whose reader went away; the files are kept.
                    signal(SIGPIPE, SIG_DFL)
                    raise(SIGPIPE)
                }
                let e: Int32 = if case .failed(let e) = written { e } else { EPIPE }
                throw Failure("cannot write the recorded output: \(String(cString: strerror(e))); the files are kept on the daemon")
            }
            guard !keep else { return }
            for path in [recorded.stdoutPath, recorded.stderrPath].compactMap({ $0 }) {
                do { try client.deleteFile(path) } catch { throw Failure("cannot delete \(path): \(error)") }
            }
        }
    }
}

/// Writes all of `bytes` to a local descriptor, blocking (LocalIO.writeAll, retrying
/// after signals).
func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> LocalWrite {
    bytes.withUnsafeBytes { LocalIO.writeAll(fd, $0) { true } }
}
