/// Everything a metrics scrape shows, as plain values: the engine fills one in on its queue for each scrape (or
/// textfile write) and hands it to `PrometheusText.render`, which needs no access to the engine's state.
public struct MetricsSnapshot: Sendable, Equatable {
    /// One supervised target.
    public struct Target: Sendable, Equatable {
        /// The target's configured name, the `target` label.
        public var name: String
        /// The target's kind, e.g. `process`.
        public var kind: String
        /// One word for where the target is, as `SupervisionState.word` says it: `running`, `backoff`…
        public var state: String
        /// Restarts since vigild started (crashes and convictions alike).
        public var restartsTotal: UInt64
        /// Fail-overs to a standby since vigild started; always 0 until fail-over exists.
        public var failoversTotal: UInt64
        /// Failures since vigild started, as `vigilctl report` counts them: exits that were not asked for,
        /// convictions of live processes (a conviction and the exit it causes count once) and failed starts.
        public var faultsTotal: UInt64
        /// Times the heartbeat detector suspected the target since vigild started.
        public var heartbeatSuspicionsTotal: UInt64
        /// Suspicions that a heartbeat cleared since vigild started: alarms that were not failures.
        public var heartbeatFalseSuspicionsTotal: UInt64
        /// Times the target's recovery ladder ran out of steps since vigild started.
        public var recoveryExhaustedTotal: UInt64
        /// The heartbeat detector's current suspicion level (φ for phi, silence in intervals for fixed and chen);
        /// `nil` for a target without heartbeats.
        public var heartbeatLevel: Double?
        /// From the failure (the kernel's exit timestamp, or the conviction's evidence) to vigild noticing it.
        public var detection: Histogram
        /// From noticing a failure to the replacement counting as started.
        public var recovery: Histogram
        /// The target's health verdict as one word.
        public var health: HealthWord

        /// A target with no history yet.
        public init(
            name: String,
            kind: String = "process",
            state: String,
            restartsTotal: UInt64 = 0,
            failoversTotal: UInt64 = 0,
            faultsTotal: UInt64 = 0,
            heartbeatSuspicionsTotal: UInt64 = 0,
            heartbeatFalseSuspicionsTotal: UInt64 = 0,
            recoveryExhaustedTotal: UInt64 = 0,
            heartbeatLevel: Double? = nil,
            detection: Histogram = Histogram(),
            recovery: Histogram = Histogram(),
            health: HealthWord = .unknown
        ) {
            self.name = name
            self.kind = kind
            self.state = state
            self.restartsTotal = restartsTotal
            self.failoversTotal = failoversTotal
            self.faultsTotal = faultsTotal
            self.heartbeatSuspicionsTotal = heartbeatSuspicionsTotal
            self.heartbeatFalseSuspicionsTotal = heartbeatFalseSuspicionsTotal
            self.recoveryExhaustedTotal = recoveryExhaustedTotal
            self.heartbeatLevel = heartbeatLevel
            self.health = health
            self.detection = detection
            self.recovery = recovery
        }

        /// Whether the target counts as up: running past its start grace. A target that is starting, backing off
        /// or recovering is not up yet.
        public var isUp: Bool { state == "running" }
    }

    /// Outcomes of configuration reloads since vigild started.
    public struct Reloads: Sendable, Equatable {
        /// Reloads applied.
        public var ok: UInt64
        /// Reloads refused because the new file did not validate (nothing changed).
        public var rejected: UInt64

        public init(ok: UInt64 = 0, rejected: UInt64 = 0) {
            self.ok = ok
            self.rejected = rejected
        }
    }

    /// Every state word a target can be in, in the order the one-hot `vigil_target_state` series are written.
    ///
    /// The words of `SupervisionState.word`; a test checks the two agree. A target in a word missing from this
    /// list still gets its series (after these), so a new state never makes a target vanish from a dashboard.
    public static let knownStates: [String] = [
        "stopped", "starting", "running", "backoff", "recovering", "stopping", "failed", "exited", "waiting",
    ]

    /// The release of vigild, the `version` label of `vigil_build_info`.
    public var version: String
    /// When vigild started, in seconds since the Unix epoch (the wall clock, as Prometheus expects).
    public var startTimeSeconds: Double
    /// Every configured target, in configuration order.
    public var targets: [Target]
    /// Heartbeat datagrams dropped since vigild started, by reason, across every listener; a reason missing here
    /// is written as 0.
    public var heartbeatDrops: [HeartbeatDropReason: UInt64]
    /// How late the engine ran its timers: the engine's own health, since a late engine detects late.
    public var engineLateness: Histogram
    /// Reloads applied and rejected.
    public var reloads: Reloads
    /// Host pressure stall information (`/proc/pressure`); `nil` on a kernel without PSI.
    public var hostPressure: HostPressure?
    /// How many host checks of severity `fault` (host faults) and `warn` are raised now.
    public var hostFaultsRaised = 0
    public var hostWarningsRaised = 0
    /// Whether the last write of the state file worked; `nil` when vigild keeps no state file.
    public var stateFileWritable: Bool?
    /// Cluster mode as this node sees it; nil without `[cluster]` (and then no cluster series are written).
    public var cluster: ClusterStatus?

    public init(
        version: String = VigilVersion.string,
        startTimeSeconds: Double,
        targets: [Target] = [],
        heartbeatDrops: [HeartbeatDropReason: UInt64] = [:],
        engineLateness: Histogram = Histogram(),
        reloads: Reloads = Reloads(),
        hostPressure: HostPressure? = nil,
        stateFileWritable: Bool? = nil
    ) {
        self.version = version
        self.startTimeSeconds = startTimeSeconds
        self.targets = targets
        self.heartbeatDrops = heartbeatDrops
        self.engineLateness = engineLateness
        self.reloads = reloads
        self.hostPressure = hostPressure
        self.stateFileWritable = stateFileWritable
    }

    /// How many targets are in each state: every known state (0 when none), then any other state seen.
    public var targetsByState: [(state: String, count: Int)] {
        var counts: [String: Int] = [:]
        for target in targets {
            counts[target.state, default: 0] += 1
        }
        return Self.states(including: targets.map(\.state)).map { ($0, counts[$0] ?? 0) }
    }

    /// The known states followed by any of `extra` that are not among them, each once, in first-seen order.
    static func states(including extra: [String]) -> [String] {
        var all = knownStates
        for state in extra where !all.contains(state) {
            all.append(state)
        }
        return all
    }
}
