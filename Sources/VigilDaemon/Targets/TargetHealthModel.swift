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
    /// The judge of the last instance, kept while none runs so the next one starts from what it learnt.
    var lastJudge: HeartbeatJudge?
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

    /// A new instance gets a fresh judge (a `loss` detector keeps what it learnt about the link from the previous
    /// one: a restarted process is still behind the same network); when none runs, there is none.
    mutating func instanceChanged(running: Bool, at now: MonotonicInstant) {
        if running, let config = heartbeatConfig {
            judge = HeartbeatJudge(config: config, start: now, previous: judge ?? lastJudge)
        } else {
            lastJudge = judge ?? lastJudge
            judge = nil
        }
    }
}
