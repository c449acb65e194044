import Glibc
import LXD
import Transport

/// `--outdir DIR`: each instance's stdout and stderr byte for byte in `DIR/<name>.stdout`
/// and `DIR/<name>.stderr` (the engine writes them as it writes a descriptor: no copy,
/// backpressure as usual), and `DIR/<name>.status`: the status on the first line, and
/// `Error: …` on a second when something went wrong. Every file of a selected instance
/// is rewritten, so nothing of an earlier run is left beside this one's.
final class OutdirSink: FanOutSink {
    private let directory: String
    private let names: [String]
    /// The open output files of running instances.
    private var open: [Int: (Int32, Int32)] = [:]
    private var failure: String?
    var whileBlocked: () -> Bool = { true }

    /// Creates `directory` when missing (its parent must exist).
    init(directory: String, names: [String]) throws(FanOutSinkError) {
        self.directory = directory
        self.names = names
        if mkdir(directory, 0o755) != 0 && errno != EEXIST {
            throw FanOutSinkError(message: "cannot create --outdir \(directory): \(String(cString: strerror(errno)))")
        }
        var st = stat()
        guard stat(directory, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
            throw FanOutSinkError(message: "--outdir \(directory) is not a directory")
        }
    }

    func path(_ index: Int, _ suffix: String) -> String {
        directory + "/" + names[index] + "." + suffix
    }

    private func create(_ index: Int, _ suffix: String) throws(FanOutSinkError) -> Int32 {
        let fd = Glibc.open(path(index, suffix), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw FanOutSinkError(message: "cannot create \(path(index, suffix)): \(String(cString: strerror(errno)))")
        }
        return fd
    }

    func outputs(for index: Int) throws(FanOutSinkError) -> (stdout: ExecIO.Output, stderr: ExecIO.Output) {
        let out = try create(index, "stdout")
        let err: Int32
        do { err = try create(index, "stderr") } catch {
            close(out)
            throw error
        }
        open[index] = (out, err)
        return (.fd(out), .fd(err))
    }

    func finished(_ index: Int, _ outcome: FanOutOutcome) {
        if let (out, err) = open.removeValue(forKey: index) {
            close(out)
            close(err)
        } else {
            // Never ran: empty output files, so none of an earlier run remains.
            for suffix in ["stdout", "stderr"] {
                if let fd = try? create(index, suffix) { close(fd) }
            }
        }
        var text = "\(outcome.status)\n"
        if let m = outcome.message { text += "Error: " + oneLine(m) + "\n" }
        do {
            let fd = try create(index, "status")
            defer { close(fd) }
            let r = Array(text.utf8).withUnsafeBytes { LocalIO.writeAll(fd, $0) { true } }
            if r != .written, failure == nil {
                let e: Int32 = if case .failed(let e) = r { e } else { EPIPE }
                failure = "writing \(path(index, "status")) failed: \(String(cString: strerror(e)))"
            }
        } catch {
            if failure == nil { failure = error.message }
        }
    }

    func end() -> String? { failure }
}
