import ArgumentParser
import Glibc

/// lxattach started as `lxc` or `incus`: that client's grammar, words and exit statuses
/// for exec, file push and file pull (its own errors exit 1); every other command is the
/// real client's (exec(3): same process, arguments untouched).
enum AsLXCMain {
    static func run(_ persona: ClientPersona, arguments: [String]) -> Never {
        switch LXCCommandLine.parse(Array(arguments.dropFirst())) {
        case .handOver:
            RealClient.handOver(persona, arguments: arguments)
        case .help:
            Output.out(LXCExecHelp.text(for: persona))
            exit(0)
        case .usage(let message, let help):
            if help { Output.out(LXCExecHelp.text(for: persona)) }
            Output.error(message)
            exit(1)
        case .exec(let exec):
            pinFlavor(persona)
            finish(persona) { try exec.run(as: persona) }
        case .file(let file):
            pinFlavor(persona)
            finish(persona, files: true) {
                if file.push { try FilePush(arguments: file, persona: persona).run() }
                else { try FilePull(arguments: file, persona: persona).run() }
            }
        }
    }

    /// `lxc` is LXD's client and `incus` Incus's, whatever LXATTACH_FLAVOR says (it would
    /// otherwise win over the name: ClientFlavor.select).
    static func pinFlavor(_ persona: ClientPersona) {
        setenv("LXATTACH_FLAVOR", persona == .incus ? "incus" : "lxd", 1)
    }

    /// Runs `body` and exits: 0, the command's status, or 1 with the client's words.
    static func finish(_ persona: ClientPersona, files: Bool = false, _ body: () throws -> Void) -> Never {
        do {
            try body()
            exit(0)
        } catch let status as ExitCode {
            exit(status.rawValue)
        } catch let failure as Failure {
            Output.error(LXCErrors.message(for: failure, persona: persona, files: files))
            exit(1)
        } catch {
            Output.error(LXCErrors.message(for: Failure(error), persona: persona, files: files))
            exit(1)
        }
    }
}
