/// A cgroup v2 `memory.events` (or `memory.events.local`) file: counts since the cgroup was created.
public struct MemoryEvents: Sendable, Equatable {
    /// Reclaimed despite being under `memory.low`.
    public var low: UInt64
    /// Throttled for going over `memory.high`.
    public var high: UInt64
    /// Hit `memory.max` and had to reclaim.
    public var max: UInt64
    /// Allocations that failed at `memory.max` and invoked the OOM killer.
    public var oom: UInt64
    /// Processes killed by the OOM killer.
    public var oomKill: UInt64
    /// Whole-group OOM kills (`memory.oom.group`); `nil` before Linux 5.17.
    public var oomGroupKill: UInt64?

    public init(low: UInt64, high: UInt64, max: UInt64, oom: UInt64, oomKill: UInt64, oomGroupKill: UInt64? = nil) {
        self.low = low
        self.high = high
        self.max = max
        self.oom = oom
        self.oomKill = oomKill
        self.oomGroupKill = oomGroupKill
    }

    /// Parses the text of `memory.events`; other keys are ignored.
    /// - Throws: `KernelTextError` when one of `low high max oom oom_kill` is missing or garbled.
    public static func parse(_ text: String) throws(KernelTextError) -> MemoryEvents {
        let keyed = FlatKeyedText(text, file: .memoryEvents)
        return MemoryEvents(
            low: try keyed.required("low"),
            high: try keyed.required("high"),
            max: try keyed.required("max"),
            oom: try keyed.required("oom"),
            oomKill: try keyed.required("oom_kill"),
            oomGroupKill: try keyed.optional("oom_group_kill")
        )
    }
}
