/// What a node publishes in its node key (JSON, under its lease) for the others: what placement needs.
public struct ClusterNodeFigures: Sendable, Equatable, Codable {
    /// `MemAvailable`, bytes.
    public var freeMemory: UInt64
    /// Online CPUs.
    public var cpus: Int
    /// The one-minute load average.
    public var load: Double
    /// Host pressure: the share of the last 10 s some task stalled on CPU and on memory, in percent (0 without PSI).
    public var cpuPressure: Double
    public var memoryPressure: Double
    /// The `[host]` checks of severity `fault` that are raised, by metric.
    public var hostFaults: [String]
    /// The node takes no new resources.
    public var draining: Bool
    /// The cluster resources whose restart policy gave up on this node: released, and not given to it again until
    /// an operator clears the failure there (`vigilctl stop`).
    public var refused: [String]
    /// `MemTotal`, bytes: what a percentage reservation is of.
    public var totalMemory: UInt64 = 0
    /// The round trip of the node's last linearizable reads of etcd (smoothed), in milliseconds; 0 before the
    /// first. What `least-response` placement compares.
    public var etcdRoundTripMilliseconds: Double = 0

    public init(
        freeMemory: UInt64 = 0,
        cpus: Int = 0,
        load: Double = 0,
        cpuPressure: Double = 0,
        memoryPressure: Double = 0,
        hostFaults: [String] = [],
        draining: Bool = false,
        refused: [String] = []
    ) {
        self.freeMemory = freeMemory
        self.cpus = cpus
        self.load = load
        self.cpuPressure = cpuPressure
        self.memoryPressure = memoryPressure
        self.hostFaults = hostFaults
        self.draining = draining
        self.refused = refused
    }

    enum CodingKeys: String, CodingKey {
        case freeMemory = "free_memory"
        case cpus
        case load
        case cpuPressure = "cpu_pressure"
        case memoryPressure = "memory_pressure"
        case hostFaults = "host_faults"
        case draining
        case refused
        case totalMemory = "total_memory"
        case etcdRoundTripMilliseconds = "etcd_round_trip_ms"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        freeMemory = try container.decodeIfPresent(UInt64.self, forKey: .freeMemory) ?? 0
        cpus = try container.decodeIfPresent(Int.self, forKey: .cpus) ?? 0
        load = try container.decodeIfPresent(Double.self, forKey: .load) ?? 0
        cpuPressure = try container.decodeIfPresent(Double.self, forKey: .cpuPressure) ?? 0
        memoryPressure = try container.decodeIfPresent(Double.self, forKey: .memoryPressure) ?? 0
        hostFaults = try container.decodeIfPresent([String].self, forKey: .hostFaults) ?? []
        draining = try container.decodeIfPresent(Bool.self, forKey: .draining) ?? false
        refused = try container.decodeIfPresent([String].self, forKey: .refused) ?? []
        totalMemory = try container.decodeIfPresent(UInt64.self, forKey: .totalMemory) ?? 0
        etcdRoundTripMilliseconds = try container.decodeIfPresent(Double.self, forKey: .etcdRoundTripMilliseconds) ?? 0
    }

    /// Whether the node may be given a resource: not draining, no host fault.
    public var acceptsResources: Bool {
        !draining && hostFaults.isEmpty
    }
}
