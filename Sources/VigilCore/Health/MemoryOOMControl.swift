/// A cgroup v1 `memory.oom_control`:
///
/// ```
/// oom_kill_disable 0
/// under_oom 0
/// oom_kill 0
/// ```
public struct MemoryOOMControl: Sendable, Equatable {
    /// The OOM killer is disabled: tasks hang at the limit instead of being killed.
    public var oomKillDisabled: Bool
    /// The cgroup is at its limit right now and (if disabled) tasks are stuck.
    public var underOOM: Bool
    /// Processes killed by the OOM killer in this cgroup; `nil` before Linux 4.13.
    public var oomKills: UInt64?

    public init(oomKillDisabled: Bool, underOOM: Bool, oomKills: UInt64? = nil) {
        self.oomKillDisabled = oomKillDisabled
        self.underOOM = underOOM
        self.oomKills = oomKills
    }

    /// Parses the text of `memory.oom_control`.
    /// - Throws: `KernelTextError` when `oom_kill_disable` or `under_oom` is missing or garbled.
    public static func parse(_ text: String) throws(KernelTextError) -> MemoryOOMControl {
        let keyed = FlatKeyedText(text, file: .oomControl)
        return MemoryOOMControl(
            oomKillDisabled: try keyed.required("oom_kill_disable") != 0,
            underOOM: try keyed.required("under_oom") != 0,
            oomKills: try keyed.optional("oom_kill")
        )
    }
}
