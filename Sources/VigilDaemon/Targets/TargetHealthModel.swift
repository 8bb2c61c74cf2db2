import VigilCore

/// What judges one target beyond its exit: a detector per configured check, and the heartbeat judge of the current
/// instance with the heartbeat settings in force.
struct TargetHealthModel {
    /// One detector per configured check, fed each tick.
    var detectors: [CheckDetector]
    /// The heartbeat settings in force: the configured ones, with the interval a program set with `WATCHDOG_USEC=`
    /// over its notify socket.
    var heartbeatConfig: HeartbeatConfig?
    /// Judges the current instance's heartbeats; `nil` while none runs.
    var judge: HeartbeatJudge?
    /// When the heartbeat timer is due; compared with when it fires, to notice that vigild itself was stalled.
    var heartbeatDeadline: MonotonicInstant?

    init(config: TargetConfig) {
        detectors = config.checks.map(CheckDetector.init)
        heartbeatConfig = config.heartbeat
    }

    /// The checks start over, for a new instance or after a recovery step.
    mutating func resetChecks(config: TargetConfig) {
        detectors = config.checks.map(CheckDetector.init)
    }

    /// A new instance gets a fresh judge; when none runs, there is none.
    mutating func instanceChanged(running: Bool, at now: MonotonicInstant) {
        judge = running ? heartbeatConfig.map { HeartbeatJudge(config: $0, start: now) } : nil
    }
}
