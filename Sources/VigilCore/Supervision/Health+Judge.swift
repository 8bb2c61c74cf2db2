extension Health {
    /// The one derivation of a target's health, from what its detectors hold now.
    ///
    /// A target that runs is healthy unless its heartbeat judge suspects or convicts it, or a check is raised
    /// (`fault` fails it, `warn` makes it suspect). A target that is down for a failure (recovering, backing off,
    /// given up, or ended by a failure its restart policy does not answer) is failed, with the evidence of that
    /// failure. Anything else (stopped, not started yet, ended cleanly) has no verdict: `nil`.
    /// - Parameters:
    ///   - machine: the target's restart state machine.
    ///   - heartbeat: the judge of its heartbeats, while it has one.
    ///   - checks: its check detectors.
    ///   - now: the current time.
    public static func judge(
        machine: RestartStateMachine,
        heartbeat: HeartbeatJudge?,
        checks: [CheckDetector],
        now: MonotonicInstant
    ) -> Health? {
        switch machine.state {
        case .starting, .running:
            break
        case .recovering(_, _, let evidence):
            return .failed(evidence)
        case .failed:
            let summary =
                "gave up after \(machine.recentRestarts.count) restarts within \(machine.restart.within.humanReadable)"
            return .failed(
                Evidence(.restartPolicy, summary, figures: ["RESTARTS": String(machine.recentRestarts.count)])
            )
        case .backingOff(let until):
            let summary = "restart \(machine.attempt) in \(max(until - now, .zero).humanReadable)"
            return .failed(Evidence(.restartPolicy, summary, figures: ["ATTEMPT": String(machine.attempt)]))
        case .finished(let status):
            guard machine.recoversExternally || !status.isSuccess else { return nil }
            return .failed(machine.lastFailure ?? Evidence(.exit, "ended with \(status)", figures: status.fields))
        case .idle, .spawning, .stopping, .waiting:
            return nil
        }
        if let judge = heartbeat, judge.verdict != .trusted {
            let evidence = judge.evidence(at: now)
            return judge.verdict == .convicted ? .failed(evidence) : .suspect(evidence)
        }
        if let raised = checks.first(where: \.phase.isRaised) {
            let evidence = raised.evidence(at: now)
            return raised.check.severity == .fault ? .failed(evidence) : .suspect(evidence)
        }
        return .healthy
    }
}
