/// A cgroup's `cpu.stat`: CPU time used and CFS bandwidth throttling, in microseconds.
///
/// v2 always writes the usage lines; the throttling lines appear only with the `cpu` controller enabled. v1's
/// `cpu.stat` has only throttling, with `throttled_time` in nanoseconds (converted here).
public struct CPUStat: Sendable, Equatable {
    public var usageMicroseconds: UInt64?
    public var userMicroseconds: UInt64?
    public var systemMicroseconds: UInt64?
    /// Enforcement periods that elapsed, and those in which the cgroup was throttled.
    public var periods: UInt64?
    public var throttledPeriods: UInt64?
    /// Total time throttled.
    public var throttledMicroseconds: UInt64?

    public init(
        usageMicroseconds: UInt64? = nil,
        userMicroseconds: UInt64? = nil,
        systemMicroseconds: UInt64? = nil,
        periods: UInt64? = nil,
        throttledPeriods: UInt64? = nil,
        throttledMicroseconds: UInt64? = nil
    ) {
        self.usageMicroseconds = usageMicroseconds
        self.userMicroseconds = userMicroseconds
        self.systemMicroseconds = systemMicroseconds
        self.periods = periods
        self.throttledPeriods = throttledPeriods
        self.throttledMicroseconds = throttledMicroseconds
    }

    /// Parses a v2 `cpu.stat`.
    /// - Throws: `KernelTextError` when no known key is present or a known key's value is garbled.
    public static func parse(_ text: String) throws(KernelTextError) -> CPUStat {
        let keyed = FlatKeyedText(text, file: .cpuStat)
        let stat = CPUStat(
            usageMicroseconds: try keyed.optional("usage_usec"),
            userMicroseconds: try keyed.optional("user_usec"),
            systemMicroseconds: try keyed.optional("system_usec"),
            periods: try keyed.optional("nr_periods"),
            throttledPeriods: try keyed.optional("nr_throttled"),
            throttledMicroseconds: try keyed.optional("throttled_usec")
        )
        guard stat != CPUStat() else {
            throw KernelTextError(file: .cpuStat, message: "none of usage_usec, nr_periods… present")
        }
        return stat
    }

    /// Parses a v1 `cpu.stat` (`nr_periods`, `nr_throttled`, `throttled_time` in ns).
    /// - Throws: `KernelTextError` when one of the three is missing or garbled.
    public static func parseV1(_ text: String) throws(KernelTextError) -> CPUStat {
        let keyed = FlatKeyedText(text, file: .cpuStat)
        return CPUStat(
            periods: try keyed.required("nr_periods"),
            throttledPeriods: try keyed.required("nr_throttled"),
            throttledMicroseconds: try keyed.required("throttled_time") / 1000
        )
    }
}
