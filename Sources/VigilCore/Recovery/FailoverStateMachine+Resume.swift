extension FailoverStateMachine {
    /// Picks up a failover persisted before vigild restarted, never promoting twice nor while the primary may live.
    ///
    /// - `fencing`: the fence is asked for again (fencing is idempotent).
    /// - `confirming-dead`, `checking-standby`, `promoting`, `running-hooks`: the primary is asked for its status
    ///   again; only once it is confirmed dead is the standby checked, and only an inactive standby is promoted (an
    ///   active one is adopted). Hooks start again from the first not known to have finished.
    /// - `idle`, `completed`, `aborted`: nothing to do.
    /// - Parameter candidates: the standbys' current figures, should another standby have to be chosen.
    public mutating func resume(candidates: [StandbyCandidate], now: MonotonicInstant) -> [FailoverAction] {
        self.candidates = candidates
        switch progress.phase {
        case .idle, .completed, .aborted:
            return []
        case .fencing:
            return [
                .emit(progressEvent("resuming after vigild restarted: fencing \(progress.primary) again", now)),
                .fence(target: progress.primary, sequence: nextSequence()),
            ]
        case .confirmingDead, .checkingStandby, .promoting, .runningHooks:
            let was = progress.phase.rawValue
            progress.phase = .confirmingDead
            progress.primaryConfirmedDead = false
            return [
                .emit(progressEvent("resuming after vigild restarted (was \(was)): checking \(progress.primary)", now)),
                .checkStatus(target: progress.primary, sequence: nextSequence()),
            ]
        }
    }
}
