/// Thermal throttling events of one CPU (`/sys/devices/system/cpu/cpuN/thermal_throttle/`, x86).
public struct ThermalThrottleCount: Sendable, Equatable {
    public var cpu: Int
    /// `core_throttle_count` and `package_throttle_count`; `nil` when the file is absent.
    public var core: UInt64?
    public var package: UInt64?

    public init(cpu: Int, core: UInt64?, package: UInt64?) {
        self.cpu = cpu
        self.core = core
        self.package = package
    }
}
