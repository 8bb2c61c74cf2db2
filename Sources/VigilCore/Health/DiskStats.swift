/// `/proc/diskstats` (Documentation/admin-guide/iostats.rst): one line per block device.
public struct DiskStats: Sendable, Equatable {
    /// One device's counters, cumulative since boot (they wrap on 32-bit kernels).
    public struct Device: Sendable, Equatable {
        public var major: UInt32
        public var minor: UInt32
        public var name: String
        public var readsCompleted: UInt64
        public var readsMerged: UInt64
        public var sectorsRead: UInt64
        public var readMilliseconds: UInt64
        public var writesCompleted: UInt64
        public var writesMerged: UInt64
        public var sectorsWritten: UInt64
        public var writeMilliseconds: UInt64
        /// I/Os currently in progress; the only field that is not a counter.
        public var inFlight: UInt64
        /// Milliseconds the device had I/O in flight (`io_ticks`): the basis of utilisation.
        public var ioMilliseconds: UInt64
        /// Milliseconds spent doing I/O weighted by the number in flight: the basis of queue length.
        public var weightedIOMilliseconds: UInt64
        /// Discard columns (Linux 4.18+) and flush columns (5.5+); `nil` when the kernel does not write them.
        public var discardsCompleted: UInt64?
        public var discardsMerged: UInt64?
        public var sectorsDiscarded: UInt64?
        public var discardMilliseconds: UInt64?
        public var flushesCompleted: UInt64?
        public var flushMilliseconds: UInt64?
    }

    /// Devices in the kernel's order.
    public var devices: [Device]

    public init(devices: [Device]) {
        self.devices = devices
    }

    /// The device called `name` (`sda`, `nvme0n1`), if present.
    public func device(named name: String) -> Device? {
        devices.first { $0.name == name }
    }

    /// Parses `/proc/diskstats`.
    /// - Throws: `KernelTextError` when a line has fewer than the 14 classic columns or a garbled number.
    public static func parse(_ text: String) throws(KernelTextError) -> DiskStats {
        var devices: [Device] = []
        for (number, line) in KernelText.lines(text) {
            let fields = KernelText.fields(line)
            guard fields.count >= 14 else {
                throw KernelTextError(file: .diskStats, line: number, message: "expected at least 14 columns")
            }
            guard let major = UInt32(fields[0]), let minor = UInt32(fields[1]) else {
                throw KernelTextError(file: .diskStats, line: number, message: "garbled device number")
            }
            var values: [UInt64] = []
            for field in fields.dropFirst(3).prefix(17) {
                guard let value = KernelText.unsigned(field) else {
                    throw KernelTextError(file: .diskStats, line: number, message: "not a number: '\(field)'")
                }
                values.append(value)
            }
            func column(_ index: Int) -> UInt64? { index < values.count ? values[index] : nil }
            devices.append(
                Device(
                    major: major,
                    minor: minor,
                    name: String(fields[2]),
                    readsCompleted: values[0],
                    readsMerged: values[1],
                    sectorsRead: values[2],
                    readMilliseconds: values[3],
                    writesCompleted: values[4],
                    writesMerged: values[5],
                    sectorsWritten: values[6],
                    writeMilliseconds: values[7],
                    inFlight: values[8],
                    ioMilliseconds: values[9],
                    weightedIOMilliseconds: values[10],
                    discardsCompleted: column(11),
                    discardsMerged: column(12),
                    sectorsDiscarded: column(13),
                    discardMilliseconds: column(14),
                    flushesCompleted: column(15),
                    flushMilliseconds: column(16)
                )
            )
        }
        return DiskStats(devices: devices)
    }
}
