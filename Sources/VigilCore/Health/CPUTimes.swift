/// The time one CPU (or all of them) spent in each state, from a `cpu` line of `/proc/stat`, in `USER_HZ` ticks.
///
/// `guest` and `guestNice` are already counted in `user` and `nice`; they are kept for completeness, and
/// `usage(from:to:)` does not add them twice.
public struct CPUTimes: Sendable, Equatable {
    public var user: UInt64
    public var nice: UInt64
    public var system: UInt64
    public var idle: UInt64
    /// Columns older kernels do not write are `nil`.
    public var iowait: UInt64?
    public var irq: UInt64?
    public var softirq: UInt64?
    public var steal: UInt64?
    public var guest: UInt64?
    public var guestNice: UInt64?

    public init(
        user: UInt64,
        nice: UInt64,
        system: UInt64,
        idle: UInt64,
        iowait: UInt64? = nil,
        irq: UInt64? = nil,
        softirq: UInt64? = nil,
        steal: UInt64? = nil,
        guest: UInt64? = nil,
        guestNice: UInt64? = nil
    ) {
        self.user = user
        self.nice = nice
        self.system = system
        self.idle = idle
        self.iowait = iowait
        self.irq = irq
        self.softirq = softirq
        self.steal = steal
        self.guest = guest
        self.guestNice = guestNice
    }

    /// Parses the numbers after the `cpu` or `cpuN` label.
    /// - Throws: `KernelTextError` when fewer than four columns are there or one is not a number.
    static func parse(columns: ArraySlice<Substring>, line: Int) throws(KernelTextError) -> CPUTimes {
        var values: [UInt64] = []
        for column in columns.prefix(10) {
            guard let value = KernelText.unsigned(column) else {
                throw KernelTextError(file: .procStat, line: line, message: "not a tick count: '\(column)'")
            }
            values.append(value)
        }
        guard values.count >= 4 else {
            throw KernelTextError(file: .procStat, line: line, message: "expected at least 4 columns")
        }
        func column(_ index: Int) -> UInt64? { index < values.count ? values[index] : nil }
        return CPUTimes(
            user: values[0],
            nice: values[1],
            system: values[2],
            idle: values[3],
            iowait: column(4),
            irq: column(5),
            softirq: column(6),
            steal: column(7),
            guest: column(8),
            guestNice: column(9)
        )
    }
}
