/// The `restart` table of a target: when and how fast a target that exits is started again.
public struct RestartConfig: Sendable, Equatable {
    public var mode: RestartMode
    /// Delay before the first restart after a run that was not stable.
    public var backoffMin: Duration
    /// Upper bound of the exponential backoff.
    public var backoffMax: Duration
    /// Restarts allowed within `within`; one more puts the target in `failed`.
    public var burst: Int
    public var within: Duration
    /// A run at least this long resets the backoff to `backoffMin`.
    public var stableAfter: Duration
    /// How long a new process must live to count as started.
    public var startGrace: Duration

    public init(
        mode: RestartMode = .always,
        backoffMin: Duration = .milliseconds(100),
        backoffMax: Duration = .seconds(30),
        burst: Int = 5,
        within: Duration = .seconds(60),
        stableAfter: Duration = .seconds(60),
        startGrace: Duration = .seconds(1)
    ) {
        self.mode = mode
        self.backoffMin = backoffMin
        self.backoffMax = backoffMax
        self.burst = burst
        self.within = within
        self.stableAfter = stableAfter
        self.startGrace = startGrace
    }
}

/// Which exits lead to a restart.
public enum RestartMode: String, Sendable, Equatable, CaseIterable {
    /// Every exit not asked for by `vigild` (the default: a supervised process is meant to run forever).
    case always
    /// Exits with a non-zero status, or by a signal.
    case onFailure = "on-failure"
    /// None: the target is started once.
    case never
}
