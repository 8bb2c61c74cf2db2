/// How busy a CPU was between two samples, as fractions of the elapsed ticks (0…1).
public struct CPUUsage: Sendable, Equatable {
    /// Not idle and not waiting for I/O.
    public var busy: Double
    /// Idle with I/O outstanding.
    public var iowait: Double
    /// Wanted to run but the hypervisor ran something else: the host is oversubscribed.
    public var steal: Double

    public init(busy: Double, iowait: Double, steal: Double) {
        self.busy = busy
        self.iowait = iowait
        self.steal = steal
    }
}

extension CPUTimes {
    /// The usage between two samples of the same CPU.
    ///
    /// A column that went backwards counts as zero: per-CPU `iowait` is documented to decrease at times, and a
    /// CPU taken offline and back restarts its counters.
    /// - Returns: `nil` when no tick elapsed between the samples.
    public static func usage(from earlier: CPUTimes, to later: CPUTimes) -> CPUUsage? {
        func delta(_ old: UInt64?, _ new: UInt64?) -> UInt64 {
            guard let old, let new, new > old else { return 0 }
            return new - old
        }
        // guest time is already inside user and nice, so it is not added again.
        let idle = delta(earlier.idle, later.idle)
        let iowait = delta(earlier.iowait, later.iowait)
        let steal = delta(earlier.steal, later.steal)
        let working =
            delta(earlier.user, later.user) + delta(earlier.nice, later.nice) + delta(earlier.system, later.system)
            + delta(earlier.irq, later.irq) + delta(earlier.softirq, later.softirq)
        let total = working + idle + iowait + steal
        guard total > 0 else { return nil }
        return CPUUsage(
            busy: Double(working) / Double(total),
            iowait: Double(iowait) / Double(total),
            steal: Double(steal) / Double(total)
        )
    }
}
