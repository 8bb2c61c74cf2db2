import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// A daemon's PID file, as vigild reads it: to find a daemon another actuator started, and to remove what a dead
/// daemon left behind before it is started again (daemons that refuse to start over a PID file, or a later reader
/// that would signal a recycled PID).
public enum PidFile {
    /// What the file says now.
    public enum Reading: Sendable, Equatable, CustomStringConvertible {
        /// No file.
        case absent
        /// A file without a PID in it (empty, garbled), with what it held.
        case invalid(String)
        /// The PID of a running process.
        case live(Int32)
        /// The PID of a process that no longer exists (or is a zombie).
        case stale(Int32)

        public var description: String {
            switch self {
            case .absent: "absent"
            case .invalid(let text): "no PID in it (\"\(text.prefix(40))\")"
            case .live(let pid): "pid \(pid), running"
            case .stale(let pid): "pid \(pid), gone"
            }
        }
    }

    /// Reads `path`: the first word must be a positive PID.
    public static func read(_ path: String) -> Reading {
        let text: String
        do {
            text = try FileText.read(path)
        } catch {
            return error.errno == ENOENT ? .absent : .invalid("\(error)")
        }
        let (word, pid) = parse(text)
        guard let pid else {
            return .invalid(word)
        }
        return isRunning(pid) ? .live(pid) : .stale(pid)
    }

    /// The PID in a PID file's text: its first word, when that is a positive number.
    static func parse(_ text: String) -> (word: String, pid: Int32?) {
        let word = text.split(whereSeparator: { $0 == "\n" || $0 == " " }).first.map(String.init) ?? ""
        guard let pid = Int32(word), pid > 0 else { return (word, nil) }
        return (word, pid)
    }

    /// Removes the file when it names no running process.
    /// - Returns: what it said, and whether it was removed.
    public static func removeIfStale(_ path: String) -> (reading: Reading, removed: Bool) {
        let reading = read(path)
        switch reading {
        case .stale, .invalid:
            return (reading, unlink(path) == 0)
        case .absent, .live:
            return (reading, false)
        }
    }

    /// Whether `pid` exists and is not a zombie.
    static func isRunning(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 || errno == EPERM else { return false }
        guard let stat = try? CgroupProcess.stat(of: pid) else { return false }
        return stat.state != .zombie
    }
}
