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
        try KernelBytes.withBytes(of: text, parse(bytes:))
    }

    /// Parses a v2 `cpu.stat` from the bytes read, without building strings (it is read every tick for every
    /// watched cgroup). Keys are looked at on lines of exactly two fields; the first line of a key counts.
    /// - Throws: `KernelTextError` when no known key is present or a known key's value is garbled.
    public static func parse(bytes: UnsafeRawBufferPointer) throws(KernelTextError) -> CPUStat {
        var stat = CPUStat()
        try KernelBytes.forEachKeyValue(bytes) { (line, key, value) throws(KernelTextError) in
            func take(_ field: inout UInt64?) throws(KernelTextError) {
                guard field == nil else { return }
                guard let number = KernelBytes.unsigned(value) else {
                    let message = "\(KernelBytes.text(key)) is not a number: '\(KernelBytes.text(value))'"
                    throw KernelTextError(file: .cpuStat, line: line, message: message)
                }
                field = number
            }
            if KernelBytes.equals(key, "usage_usec") {
                try take(&stat.usageMicroseconds)
            } else if KernelBytes.equals(key, "user_usec") {
                try take(&stat.userMicroseconds)
            } else if KernelBytes.equals(key, "system_usec") {
                try take(&stat.systemMicroseconds)
            } else if KernelBytes.equals(key, "nr_periods") {
                try take(&stat.periods)
            } else if KernelBytes.equals(key, "nr_throttled") {
                try take(&stat.throttledPeriods)
            } else if KernelBytes.equals(key, "throttled_usec") {
                try take(&stat.throttledMicroseconds)
            }
        }
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
