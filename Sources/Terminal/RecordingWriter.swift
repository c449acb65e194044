import Glibc
import Transport

/// The process that writes a recording's file: forked by `RecordingFile` before the
/// session starts, it reads lines from a pipe and writes them to the file, whole lines
/// only, until the pipe ends.
///
/// A process, not a thread: a write(2) stuck on a stalled disk (a frozen file system, a
/// hung NFS server) sleeps uninterruptibly, and a process does not finish exiting while
/// one of its threads does; lxattach's own exit must never wait for the disk. It also
/// outlives a crash or a SIGKILL of lxattach, and writes what was already handed over.
/// It ignores the terminal's and job-control signals (it is in a process group of its
/// own) and ends when its pipe does.
enum RecordingWriter {
    /// The child's body: never returns.
    ///
    /// - Parameters:
    ///   - input: the pipe's read end.
    ///   - file: the recording, `length` bytes long (its header).
    ///   - failed: called once with the reason when a write fails (a full disk), after
    ///     the file was cut back to its last whole line.
    static func run(input: Int32, file: Int32, length: off_t, failed: (String) -> Void) -> Never {
        setpgid(0, 0)
        for sig in [SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGHUP, SIGTERM, SIGPIPE, SIGALRM, SIGWINCH, SIGUSR1, SIGUSR2] {
            signal(sig, SIG_IGN)
        }
        // Only the pipe, the file and stderr: an inherited socket or our stdout's pipe
        // must close when lxattach closes it.
        let null = open("/dev/null", O_RDWR)
        if null >= 0 {
            dup2(null, 0)
            dup2(null, 1)
        }
        for fd: Int32 in 3..<4096 where fd != input && fd != file { close(fd) }

        var capacity = 1 << 20
        var buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        var held = 0  // bytes of an unfinished line at the buffer's start
        var committed = length
        while true {
            if held == capacity {
                // One line longer than the buffer: grow it.
                let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
                bigger.copyMemory(from: buffer, byteCount: held)
                buffer.deallocate()
                buffer = bigger
                capacity *= 2
            }
            // The pipe's end (or an error reading it): an unfinished line is dropped.
            guard case .success(let n) = LocalIO.readOnce(input, buffer + held, capacity - held), n > 0 else { _exit(0) }
            let total = held + n
            var end = total
            while end > 0 && buffer.load(fromByteOffset: end - 1, as: UInt8.self) != 0x0A { end -= 1 }
            if end > 0 {
                if let e = writeAll(file, buffer, end, committed: &committed) {
                    failed(String(cString: strerror(e)))
                    _exit(1)
                }
                memmove(buffer, buffer + end, total - end)
            }
            held = total - end
        }
    }

    /// Writes `count` bytes (whole lines) at the file's end; on failure cuts the file back
    /// to its last whole line and returns the errno.
    private static func writeAll(_ fd: Int32, _ bytes: UnsafeMutableRawPointer, _ count: Int, committed: inout off_t) -> Int32? {
        var done = 0
        while done < count {
            let e: Int32
            switch LocalIO.writeOnce(fd, bytes + done, count - done) {
            case .success(let n) where n > 0:
                done += n
                continue
            case .success: e = EIO
            case .failure(let f): e = f.errno
            }
            var whole = done
            while whole > 0 && bytes.load(fromByteOffset: whole - 1, as: UInt8.self) != 0x0A { whole -= 1 }
            committed += off_t(whole)
            _ = ftruncate(fd, committed)
            return e
        }
        committed += off_t(count)
        return nil
    }
}
