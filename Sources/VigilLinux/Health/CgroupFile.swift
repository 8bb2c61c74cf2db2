import VigilCore

/// The files of one cgroup that `CgroupReader` reads, each kept open in a slot of its own (indexed by `rawValue`),
/// so that a read finds its file without hashing a path.
enum CgroupFile: Int, CaseIterable {
    // v2
    case events
    case memoryEvents
    case cpuStat
    case ioStat
    case memoryCurrent
    case memoryMax
    case pidsCurrent
    case pidsMax
    case cpuPressure
    case memoryPressure
    case ioPressure
    // v1
    case memoryOOMControlV1
    case memoryUsageV1
    case memoryLimitV1
    case pidsCurrentV1
    case pidsMaxV1
    case cpuacctUsageV1
    case cpuStatV1

    /// The v1 controller whose hierarchy holds the file; `nil` for the v2 directory.
    var controller: String? {
        switch self {
        case .memoryOOMControlV1, .memoryUsageV1, .memoryLimitV1: "memory"
        case .pidsCurrentV1, .pidsMaxV1: "pids"
        case .cpuacctUsageV1: "cpuacct"
        case .cpuStatV1: "cpu"
        default: nil
        }
    }

    /// The file's name in its directory.
    var name: String {
        switch self {
        case .events: "cgroup.events"
        case .memoryEvents: "memory.events"
        case .cpuStat, .cpuStatV1: "cpu.stat"
        case .ioStat: "io.stat"
        case .memoryCurrent: "memory.current"
        case .memoryMax: "memory.max"
        case .pidsCurrent, .pidsCurrentV1: "pids.current"
        case .pidsMax, .pidsMaxV1: "pids.max"
        case .cpuPressure: "cpu.pressure"
        case .memoryPressure: "memory.pressure"
        case .ioPressure: "io.pressure"
        case .memoryOOMControlV1: "memory.oom_control"
        case .memoryUsageV1: "memory.usage_in_bytes"
        case .memoryLimitV1: "memory.limit_in_bytes"
        case .cpuacctUsageV1: "cpuacct.usage"
        }
    }

    /// The pressure file of `resource`.
    static func pressure(_ resource: PressureResource) -> CgroupFile {
        switch resource {
        case .cpu: .cpuPressure
        case .memory: .memoryPressure
        case .io: .ioPressure
        }
    }
}
