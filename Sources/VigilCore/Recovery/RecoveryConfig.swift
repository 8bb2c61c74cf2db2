/// A target's recovery settings: its ladder and how steps are verified, its standbys and how one is chosen, its
/// resource reservation and its priority among concurrent recoveries.
///
/// Keys in the `[[target]]` table (`ConfigParser.parseRecovery`); those marked † default from `level`:
///
/// ```toml
/// level = "high"                               # high | medium | low (default medium), see FaultToleranceLevel
/// recovery = ["restart", "restart", "failover", "fence"]   # †; also "revert" and "exec:NAME"
/// verify_window = "30s"                        # † how long a step has to show the target healthy
/// verify_healthy_for = "10s"                   # optional: healthy this long inside the window is enough
/// action_timeout = "30s"                       # † time limit of one actuator operation
/// recovery_reset_after = "5m"                  # † healthy this long: the ladder starts again at its first step
/// standbys = ["web-b", "web-c"]                # targets that can take over (failover)
/// standby_mode = "hot"                        # cold (default): started when promoted; hot: run as standbys
/// placement = "weighted"                       # ordered | round-robin | weighted | least-loaded | least-response
/// weights = { web-b = 3, web-c = 1 }           # weighted: each standby's share of capacity (default 1)
/// hooks = { move-vip = ["/usr/local/sbin/move-vip", "10.0.0.5"] }   # named argv, for exec:NAME and promote_hooks
/// promote_hooks = ["move-vip"]                 # run in order after a standby is promoted
/// reserve_memory = "512M"                      # free memory needed to start or promote it here (or "10%")
/// reserve_cpu = 1.5                            # idle CPUs needed, in cores
/// priority = 50                                # † higher recovers first when recoveries are limited
/// ```
public struct RecoveryConfig: Sendable, Equatable {
    public var level: FaultToleranceLevel
    public var ladder: [RecoveryStep]
    /// After a step's action succeeded, how long the target has to show itself healthy.
    public var verifyWindow: Duration
    /// When set, a healthy verdict held this long (inside the window) verifies the step at once; otherwise the
    /// target must be healthy from its first healthy verdict until the window ends.
    public var healthyFor: Duration?
    /// Time limit of one actuator operation; past it the step counts as failed and the operation is cancelled.
    public var actionTimeout: Duration
    /// A target healthy this long goes back to the first step of its ladder.
    public var resetAfter: Duration
    /// Names of the targets that can take this one's place, in configuration order.
    public var standbys: [String]
    /// Whether the standbys run while they wait (`hot`) or are started when promoted (`cold`).
    public var standbyMode: StandbyMode
    public var placement: PlacementStrategy
    /// `weighted` placement: each standby's share of capacity; standbys not listed weigh 1.
    public var weights: [String: Int]
    /// Named hook commands (argv), for `exec:NAME` steps and `promoteHooks`.
    public var hooks: [String: [String]]
    /// Hooks run in order after a standby was promoted (move a virtual IP, flip a replica).
    public var promoteHooks: [String]
    public var reservation: ResourceReservation
    /// Higher recovers first when the number of concurrent recoveries is limited.
    public var priority: Int
    /// The target's `restart` table (with the level's backoff, burst and within where it did not set them): a
    /// `restart` step first waits the backoff, growing with each restart step of the same run, and once `burst`
    /// restart steps ran within `within` the ladder escalates past its restart steps.
    public var restart: RestartConfig

    /// A configuration with every setting from `level` (the ladder depends on whether `standbys` is empty).
    public init(level: FaultToleranceLevel = .medium, standbys: [String] = []) {
        let preset = level.preset
        self.level = level
        self.ladder = preset.ladder(hasStandbys: !standbys.isEmpty)
        self.verifyWindow = preset.verifyWindow
        self.healthyFor = nil
        self.actionTimeout = preset.actionTimeout
        self.resetAfter = preset.resetAfter
        self.standbys = standbys
        self.standbyMode = .cold
        self.placement = .ordered
        self.weights = [:]
        self.hooks = [:]
        self.promoteHooks = []
        self.reservation = ResourceReservation()
        self.priority = preset.priority
        self.restart = level.applied(to: RestartConfig(), explicitKeys: [])
    }

    /// The weight of `standby` for `weighted` placement.
    public func weight(of standby: String) -> Int {
        weights[standby] ?? 1
    }
}

/// What a target needs free on a host before vigild starts or promotes it there.
public struct ResourceReservation: Sendable, Equatable, Codable {
    public var memory: MemoryAmount?
    /// Idle CPUs, in cores (1.5 = one and a half).
    public var cpu: Double?

    public init(memory: MemoryAmount? = nil, cpu: Double? = nil) {
        self.memory = memory
        self.cpu = cpu
    }

    public var isEmpty: Bool {
        memory == nil && cpu == nil
    }
}

/// An amount of memory: bytes, or a percentage of the host's total.
public enum MemoryAmount: Sendable, Equatable, Codable, CustomStringConvertible {
    case bytes(UInt64)
    case percent(Double)

    /// The amount in bytes on a host with `total` bytes of memory.
    public func bytes(ofTotal total: UInt64) -> UInt64 {
        switch self {
        case .bytes(let bytes): bytes
        case .percent(let percent): UInt64((Double(total) * percent / 100).rounded())
        }
    }

    public var description: String {
        switch self {
        case .bytes(let bytes): ByteCount.text(bytes)
        case .percent(let percent): "\(percent)%"
        }
    }
}
