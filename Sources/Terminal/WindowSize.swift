import Glibc

/// A terminal's size in character cells.
public struct WindowSize: Equatable, Sendable {
    public var columns: Int
    public var rows: Int

    public init(columns: Int, rows: Int) {
        self.columns = columns
        self.rows = rows
    }

    /// The size of the terminal on `fd` (`TIOCGWINSZ`), or nil if `fd` is not a
    /// terminal or reports 0x0 (some pseudo-terminals do before a size is set).
    public static func of(fileDescriptor fd: Int32) -> WindowSize? {
        var ws = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0, ws.ws_row > 0 else { return nil }
        return WindowSize(columns: Int(ws.ws_col), rows: Int(ws.ws_row))
    }
}
