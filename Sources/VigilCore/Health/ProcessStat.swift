/// The start of `/proc/PID/stat`: `1234 (my (odd) name) S 1 …` (Documentation/filesystems/proc.rst, table 1-4).
public struct ProcessStat: Sendable, Equatable {
    /// The scheduler state letter.
    public enum State: Sendable, Equatable {
        case running
        case sleeping
        /// Uninterruptible sleep (`D`): stuck in the kernel, usually on I/O; signals do not reach it.
        case diskSleep
        case zombie
        case stopped
        case tracingStop
        case dead
        case idle
        case parked
        case wakeKill
        case waking
        /// A letter this parser does not know.
        case other(Character)

        init(_ letter: Character) {
            switch letter {
            case "R": self = .running
            case "S": self = .sleeping
            case "D": self = .diskSleep
            case "Z": self = .zombie
            case "T": self = .stopped
            case "t": self = .tracingStop
            case "X", "x": self = .dead
            case "I": self = .idle
            case "P": self = .parked
            case "K": self = .wakeKill
            case "W": self = .waking
            default: self = .other(letter)
            }
        }
    }

    public var pid: Int32
    /// The command name, which may contain spaces and parentheses.
    public var command: String
    public var state: State
    public var parentPID: Int32
    /// CPU time in user and kernel mode, in clock ticks (`USER_HZ`, 100 on Linux); `nil` on a truncated line.
    public var userTicks: UInt64?
    public var systemTicks: UInt64?
    /// When the process started, in clock ticks after boot: with the pid, it names one process for good.
    public var startTicks: UInt64?
    /// Resident set size, in pages.
    public var residentPages: UInt64?
    /// A process that has exited and is not reaped yet (a zombie): its status as `waitpid` would report it (field
    /// 52, `exit_code`; readable by root only, else 0); `nil` on an older kernel's shorter line.
    public var exitStatus: Int32?

    public init(
        pid: Int32,
        command: String,
        state: State,
        parentPID: Int32,
        userTicks: UInt64? = nil,
        systemTicks: UInt64? = nil,
        startTicks: UInt64? = nil,
        residentPages: UInt64? = nil,
        exitStatus: Int32? = nil
    ) {
        self.exitStatus = exitStatus
        self.pid = pid
        self.command = command
        self.state = state
        self.parentPID = parentPID
        self.userTicks = userTicks
        self.systemTicks = systemTicks
        self.startTicks = startTicks
        self.residentPages = residentPages
    }

    /// Parses the text of `/proc/PID/stat`.
    /// - Throws: `KernelTextError` when the pid, the parenthesised command, the state or the parent pid is missing.
    public static func parse(_ text: String) throws(KernelTextError) -> ProcessStat {
        // comm can hold ')' and spaces, but nothing after it can, so the last ')' ends it.
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"), open < close else {
            throw KernelTextError(file: .processStat, line: 1, message: "no '(command)'")
        }
        guard let pid = Int32(text[..<open].trimmingSpaces) else {
            throw KernelTextError(file: .processStat, line: 1, message: "garbled pid")
        }
        let rest = KernelText.fields(text[text.index(after: close)...])
        guard rest.count >= 2, rest[0].count == 1, let letter = rest[0].first, let parentPID = Int32(rest[1]) else {
            throw KernelTextError(file: .processStat, line: 1, message: "missing state or parent pid")
        }
        // Fields after the command, counted from the state (field 3 of proc(5)): utime 14, stime 15, starttime 22,
        // rss 24.
        func field(_ number: Int) -> UInt64? {
            let index = number - 3
            return index < rest.count ? UInt64(rest[index]) : nil
        }
        return ProcessStat(
            pid: pid,
            command: String(text[text.index(after: open)..<close]),
            state: State(letter),
            parentPID: parentPID,
            userTicks: field(14),
            systemTicks: field(15),
            startTicks: field(22),
            residentPages: field(24),
            exitStatus: 52 - 3 < rest.count ? Int32(rest[52 - 3]) : nil
        )
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var result = self
        while result.first == " " { result = result.dropFirst() }
        while result.last == " " { result = result.dropLast() }
        return result
    }
}
