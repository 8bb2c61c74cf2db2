/// The host's pressure stall information, one entry per resource of `/proc/pressure` (`cpu`, `memory`, `io`), in
/// the shape of the kernel's files; read each tick by the host sampler.
public struct HostPressure: Sendable, Equatable {
    /// One line of a pressure file: the share of time some (or all) tasks were stalled.
    public struct Stall: Sendable, Equatable {
        /// Percent of wall time stalled over the last 10, 60 and 300 seconds.
        public var avg10: Double
        public var avg60: Double
        public var avg300: Double
        /// Total stall time since boot, in microseconds.
        public var totalMicroseconds: UInt64

        public init(avg10: Double, avg60: Double, avg300: Double, totalMicroseconds: UInt64) {
            self.avg10 = avg10
            self.avg60 = avg60
            self.avg300 = avg300
            self.totalMicroseconds = totalMicroseconds
        }
    }

    /// The `some` line and, where the kernel reports one, the `full` line of a resource.
    public struct Resource: Sendable, Equatable {
        public var some: Stall
        public var full: Stall?

        public init(some: Stall, full: Stall? = nil) {
            self.some = some
            self.full = full
        }
    }

    /// `/proc/pressure/cpu`, `memory` and `io`; `nil` where the file is missing (a kernel without PSI).
    public var cpu: Resource?
    public var memory: Resource?
    public var io: Resource?

    public init(cpu: Resource? = nil, memory: Resource? = nil, io: Resource? = nil) {
        self.cpu = cpu
        self.memory = memory
        self.io = io
    }
}
