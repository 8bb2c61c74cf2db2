/// The kernel files the health parsers understand; the code of a `KernelTextError`.
public enum KernelFile: String, Sendable, Equatable, CaseIterable {
    case pressure = "pressure"
    case memInfo = "/proc/meminfo"
    case loadAverage = "/proc/loadavg"
    case procStat = "/proc/stat"
    case diskStats = "/proc/diskstats"
    case mountInfo = "mountinfo"
    case cgroupEvents = "cgroup.events"
    case memoryEvents = "memory.events"
    case cpuStat = "cpu.stat"
    case ioStat = "io.stat"
    case limit = "limit"
    case oomControl = "memory.oom_control"
    case counter = "counter"
    case processCgroups = "/proc/PID/cgroup"
    case processStat = "/proc/PID/stat"
}

/// Text from the kernel that does not have the documented shape: which file kind, which line, what was wrong.
///
/// Parsers throw this instead of guessing, so a truncated read or a format change is reported rather than turned
/// into a zero that a detector would believe.
public struct KernelTextError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of file the text was parsed as.
    public var file: KernelFile
    /// The 1-based line the problem is on, when it is about one line.
    public var line: Int?
    /// What was wrong, for a person.
    public var message: String

    public init(file: KernelFile, line: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line {
            return "\(file.rawValue) line \(line): \(message)"
        }
        return "\(file.rawValue): \(message)"
    }
}
