/// One step tried in the current run of a target's ladder (since it last started at the first step), and how it
/// ended. The exhausted-ladder event lists them.
public struct RecoveryAttempt: Sendable, Equatable, Codable {
    /// Index into the ladder.
    public var index: Int
    public var step: RecoveryStep
    /// The failure that made vigild take the step.
    public var trigger: String
    public var result: Result?

    public init(index: Int, step: RecoveryStep, trigger: String, result: Result? = nil) {
        self.index = index
        self.step = step
        self.trigger = trigger
        self.result = result
    }

    /// How a step ended.
    public enum Result: Sendable, Equatable, Codable {
        /// The actuator reported failure.
        case actuatorFailed(reason: String)
        /// No outcome within the time limit (the actuator's or the ladder's).
        case timedOut(after: Duration)
        /// The target failed again inside the verification window.
        case failedInWindow(evidence: String, after: Duration, window: Duration)
        /// The window ended without the target shown healthy (long enough).
        case notHealthy(window: Duration, healthyFor: Duration?)
        /// Verified: healthy through the window.
        case held
        /// Verified, but failed again before `resetAfter`, so the ladder went on to its next step.
        case relapsed(evidence: String, after: Duration)
        /// The fence held: the target is isolated.
        case fenced
        /// Maintenance began while the step was under way.
        case interrupted
        /// A `restart` step not taken: `restarts` restart steps ran within `within` already, the target's restart
        /// burst limit, so the ladder escalated past it.
        case rateLimited(restarts: Int, within: Duration)
        /// A cluster resource's `failover` step: this node gave the resource up for another node to run.
        case handedOver
    }

    /// `restart: failed again 2s into its 30s verification window: heartbeat convicted`.
    public var summary: String {
        "\(step): " + (result.map(Self.describe) ?? "under way")
    }

    /// Why a result did or did not hold, as a clause.
    public static func describe(_ result: Result) -> String {
        switch result {
        case .actuatorFailed(let reason):
            "the actuator failed: \(reason)"
        case .timedOut(let after):
            "no outcome within \(after.humanReadable)"
        case .failedInWindow(let evidence, let after, let window):
            "failed again \(after.humanReadable) into its \(window.humanReadable) verification window: \(evidence)"
        case .notHealthy(let window, let healthyFor):
            if let healthyFor {
                "not healthy for \(healthyFor.humanReadable) within its \(window.humanReadable) verification window"
            } else {
                "not seen healthy within its \(window.humanReadable) verification window"
            }
        case .held:
            "held"
        case .relapsed(let evidence, let after):
            "held its verification window, then failed again after \(after.humanReadable): \(evidence)"
        case .fenced:
            "fenced"
        case .interrupted:
            "interrupted by maintenance"
        case .rateLimited(let restarts, let within):
            "not taken: \(restarts) restarts within \(within.humanReadable) already (the restart burst limit)"
        case .handedOver:
            "handed to another node"
        }
    }
}
