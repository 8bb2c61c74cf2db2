/// What a reload changes about a target whose instance keeps running (`ConfigDiff.changedInPlace`), piece by piece,
/// so the engine rebuilds only what depends on a piece that changed.
public struct PolicyChange: Sendable, Equatable {
    /// How the heartbeat table changed.
    public enum Heartbeat: Sendable, Equatable {
        /// Not at all.
        case unchanged
        /// Only `suspect` and `convict`: the judge keeps its detector and the arrivals it has seen.
        case thresholds
        /// The detector's own settings (kind, interval, window, pauses, grace): a fresh judge, as for a new instance.
        case detector
    }

    /// The checks changed: their detectors (and PSI triggers) are built again.
    public var checks: Bool
    public var heartbeat: Heartbeat
    private let before: HeartbeatConfig?
    private let after: HeartbeatConfig?

    /// - Parameters:
    ///   - old: the target's configuration in force.
    ///   - new: its configuration after the reload, differing only in policy (`ConfigDiff.appliesInPlace`).
    public init(old: TargetConfig, new: TargetConfig) {
        checks = old.checks != new.checks
        before = old.heartbeat
        after = new.heartbeat
        switch (old.heartbeat, new.heartbeat) {
        case (let previous?, let next?) where previous != next:
            var thresholdsApplied = previous
            thresholdsApplied.suspect = next.suspect
            thresholdsApplied.convict = next.convict
            heartbeat = thresholdsApplied == next ? .thresholds : .detector
        default:
            heartbeat = .unchanged
        }
    }

    /// The heartbeat settings to run with from now on.
    /// - Parameter running: those in force: the configured ones, with the interval a program may have set since
    ///   with `WATCHDOG_USEC=` over its notify socket.
    /// - Returns: the new table; with the running interval unless the configured interval changed.
    public func heartbeatConfig(running: HeartbeatConfig?) -> HeartbeatConfig? {
        guard var next = after else { return nil }
        if let running, let before, before.interval == next.interval {
            next.interval = running.interval
        }
        return next
    }
}
