/// How a failover picks the standby to promote (`placement = "…"`).
public enum PlacementStrategy: String, Sendable, Equatable, CaseIterable, Codable {
    /// The first eligible standby in configuration order.
    case ordered
    /// The eligible standby after the one chosen last time, wrapping around.
    case roundRobin = "round-robin"
    /// Smooth weighted round-robin (nginx's): over many failovers each standby is chosen in proportion to its weight
    /// (its share of capacity), interleaved rather than in runs, and deterministically.
    case weighted
    /// The standby whose host or cgroup is under the least pressure (PSI, whole percent), then with the most free
    /// memory.
    case leastLoaded = "least-loaded"
    /// The standby with the shortest heartbeat round-trip.
    case leastResponse = "least-response"
}

/// What placement knows about one standby when a failover needs one. The engine fills it from the standby's own
/// state and from the health and heartbeat sources.
public struct StandbyCandidate: Sendable, Equatable {
    public var name: String
    /// The standby is itself failed (its ladder gave up, or it was fenced).
    public var failed: Bool
    /// The standby, or the host, is in maintenance.
    public var maintenance: Bool
    /// Why admission control refuses it (not enough memory or CPU for the target's reservation); nil if admitted.
    public var refusal: String?
    /// Pressure stall (PSI `some avg10`, percent) of its host or cgroup, for `least-loaded`.
    public var pressure: Double?
    /// Free memory where it runs, in bytes, for `least-loaded`.
    public var freeMemory: UInt64?
    /// Its latest heartbeat round-trip, for `least-response`.
    public var roundTrip: Duration?
    /// Why a hot standby cannot take over now (not running, or not healthy); nil when it can, and for cold ones.
    public var unready: String?

    public init(
        name: String,
        failed: Bool = false,
        maintenance: Bool = false,
        refusal: String? = nil,
        pressure: Double? = nil,
        freeMemory: UInt64? = nil,
        roundTrip: Duration? = nil,
        unready: String? = nil
    ) {
        self.name = name
        self.failed = failed
        self.maintenance = maintenance
        self.refusal = refusal
        self.pressure = pressure
        self.freeMemory = freeMemory
        self.roundTrip = roundTrip
        self.unready = unready
    }

    /// Why this standby cannot be chosen, or nil when it can.
    public var ineligibility: String? {
        if failed {
            return "failed"
        }
        if maintenance {
            return "in maintenance"
        }
        if let refusal {
            return "not admitted: " + refusal
        }
        return unready
    }
}

/// The standby placement chose (nil when none is eligible), and why the others were passed over.
public struct StandbyChoice: Sendable, Equatable {
    public var standby: String?
    /// Standbys that could not be chosen, with the reason, in configuration order.
    public var skipped: [SkippedStandby]

    public init(standby: String?, skipped: [SkippedStandby]) {
        self.standby = standby
        self.skipped = skipped
    }

    /// `web-b (failed), web-c (in maintenance)`, for events.
    public var skippedText: String {
        skipped.map { "\($0.name) (\($0.reason))" }.joined(separator: ", ")
    }
}

/// A standby placement passed over.
public struct SkippedStandby: Sendable, Equatable {
    public var name: String
    public var reason: String

    public init(name: String, reason: String) {
        self.name = name
        self.reason = reason
    }
}
