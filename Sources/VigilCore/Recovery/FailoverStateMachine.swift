/// Replaces a failed primary with a standby, in the one order that never leaves two actives: choose a standby,
/// fence the primary, confirm it dead, check the standby is not already active, promote it, run the promote hooks,
/// record the roles.
///
/// No standby is promoted until the primary was seen dead after fencing; if it cannot be fenced or confirmed dead,
/// the failover is aborted with nobody promoted. If no standby is eligible, the primary is not fenced at all (a
/// fenced primary with nobody to take over is a total outage, where the ladder may still have steps to try). A
/// standby whose promotion fails is passed over for the next eligible one; the primary stays fenced.
///
/// Every transition changes `progress`, which the engine persists. After vigild restarts, `restored` resumes: a
/// fence is repeated (fencing is idempotent), and any later phase re-confirms the primary dead and re-checks the
/// standby before promoting, so a promotion that completed before the restart is adopted rather than repeated.
/// A promote hook that fails is reported and the failover goes on (the standby is already serving); hooks must
/// tolerate being run again after a restart.
///
/// The machine performs no I/O and reads no clock; the actuators enforce their own time limits.
public struct FailoverStateMachine: Sendable {
    /// The service's name, for events (the primary target's name).
    public let service: String
    public private(set) var roles: FailoverRoles
    public private(set) var placement: StandbyPlacement
    /// Promote hook names, run in order after the promotion.
    public let hooks: [String]
    public internal(set) var progress: FailoverProgress
    /// The figures placement chose from, kept to choose again if a promotion fails.
    var candidates: [StandbyCandidate] = []

    /// - Parameters:
    ///   - service: names the service in events.
    ///   - roles: who is active now.
    ///   - placement: how to choose a standby (with what it remembers).
    ///   - hooks: promote hook names.
    ///   - progress: a failover persisted before vigild restarted; nil for none.
    public init(
        service: String,
        roles: FailoverRoles,
        placement: StandbyPlacement,
        hooks: [String] = [],
        progress: FailoverProgress? = nil
    ) {
        self.service = service
        self.roles = roles
        self.placement = placement
        self.hooks = hooks
        self.progress = progress ?? FailoverProgress(primary: roles.active, trigger: "")
    }

    /// Takes `roles` as the service's current ones (restored after vigild restarted, or kept across a reload); a
    /// failover under way keeps its own.
    public mutating func adopt(roles: FailoverRoles) {
        guard !progress.isUnderWay else { return }
        self.roles = roles
        progress = FailoverProgress(primary: roles.active, trigger: "")
    }

    /// Starts a failover away from the active target.
    /// - Parameters:
    ///   - candidates: the standbys' current figures (failed, maintenance, admission, load, round-trip).
    ///   - trigger: why (the failure evidence), for events.
    public mutating func start(
        candidates: [StandbyCandidate],
        trigger: String,
        now: MonotonicInstant
    ) -> [FailoverAction] {
        guard !progress.isUnderWay else { return [] }
        let sequence = progress.sequence
        progress = FailoverProgress(primary: roles.active, trigger: trigger)
        progress.sequence = sequence
        self.candidates = candidates
        let choice = placement.choose(from: candidates, excluding: progress.primary)
        guard let standby = choice.standby else {
            let skipped = choice.skipped.isEmpty ? "none configured" : choice.skippedText
            return abort("no standby can take over (\(skipped)); the primary was not fenced", now: now)
        }
        progress.standby = standby
        progress.phase = .fencing
        let skipped = choice.skipped.isEmpty ? "" : "; passed over \(choice.skippedText)"
        return [
            .emit(progressEvent("failing over to \(standby) (\(trigger))\(skipped); fencing \(progress.primary)", now)),
            .fence(target: progress.primary, sequence: nextSequence()),
        ]
    }

    /// The outcome of a fence, promote or hook operation.
    public mutating func outcome(
        _ outcome: RecoveryOutcome,
        sequence: Int,
        now: MonotonicInstant
    ) -> [FailoverAction] {
        guard sequence == progress.sequence, let standby = progress.standby else { return [] }
        let failure: String? =
            switch outcome {
            case .succeeded: nil
            case .failed(let reason): reason
            case .timedOut: "timed out"
            }
        switch progress.phase {
        case .fencing:
            if let failure {
                return abort("could not fence \(progress.primary): \(failure); nobody promoted", now: now)
            }
            progress.phase = .confirmingDead
            return [.checkStatus(target: progress.primary, sequence: nextSequence())]
        case .promoting:
            if let failure {
                progress.failedStandbys.append(standby)
                return chooseAgain(after: "promoting \(standby) failed: \(failure)", now: now)
            }
            return runHooks(now: now)
        case .runningHooks:
            var actions: [FailoverAction] = []
            if let failure {
                let hook = hooks[progress.hookIndex]
                actions.append(.emit(progressEvent("promote hook \(hook) failed: \(failure); going on", now)))
            }
            progress.hookIndex += 1
            return actions + runHooks(now: now)
        default:
            return []
        }
    }

    /// The answer to a status check.
    public mutating func status(
        _ activity: TargetActivity,
        sequence: Int,
        now: MonotonicInstant
    ) -> [FailoverAction] {
        guard sequence == progress.sequence, let standby = progress.standby else { return [] }
        switch (progress.phase, activity) {
        case (.confirmingDead, .inactive):
            progress.primaryConfirmedDead = true
            progress.phase = .checkingStandby
            return [
                .emit(progressEvent("\(progress.primary) is fenced and confirmed dead", now)),
                .checkStatus(target: standby, sequence: nextSequence()),
            ]
        case (.confirmingDead, .active):
            progress.primaryConfirmedDead = false
            return abort("\(progress.primary) is still active after fencing; nobody promoted", now: now)
        case (.confirmingDead, .unknown(let reason)):
            progress.primaryConfirmedDead = false
            return abort("cannot confirm \(progress.primary) dead (\(reason)); nobody promoted", now: now)
        case (.checkingStandby, .inactive):
            progress.phase = .promoting
            return [
                .emit(progressEvent("promoting \(standby)", now)),
                .promote(target: standby, sequence: nextSequence()),
            ]
        case (.checkingStandby, .active):
            // Promoted before vigild restarted, or by an operator: adopt it rather than start it twice.
            return [.emit(progressEvent("\(standby) is already active; adopting it", now))] + runHooks(now: now)
        case (.checkingStandby, .unknown(let reason)):
            progress.failedStandbys.append(standby)
            return chooseAgain(after: "cannot tell whether \(standby) is already active (\(reason))", now: now)
        default:
            return []
        }
    }

    /// The chosen hot standby's promotion is about to be issued to its running instance. The caller persists the
    /// progress before issuing it, so that a failover resumed after a restart of vigild never issues it twice.
    public mutating func promotionIssued() {
        guard progress.phase == .promoting else { return }
        progress.promotionIssued = true
    }

    // MARK: Transitions

    mutating func nextSequence() -> Int {
        progress.sequence += 1
        return progress.sequence
    }

    private mutating func runHooks(now: MonotonicInstant) -> [FailoverAction] {
        guard let standby = progress.standby else { return [] }
        if progress.hookIndex < hooks.count {
            progress.phase = .runningHooks
            let hook = hooks[progress.hookIndex]
            return [.runHook(name: hook, primary: progress.primary, standby: standby, sequence: nextSequence())]
        }
        return complete(now: now)
    }

    private mutating func complete(now: MonotonicInstant) -> [FailoverAction] {
        guard let standby = progress.standby else { return [] }
        let others = placement.standbys.filter { $0 != standby && $0 != progress.primary }
        roles = FailoverRoles(active: standby, standbys: others + [progress.primary])
        progress.phase = .completed
        let event = Event(
            kind: .failoverCompleted,
            target: service,
            message: "\(service): failed over from \(progress.primary) to \(standby) (\(progress.trigger)); "
                + "\(progress.primary) is fenced",
            fields: ["PRIMARY": progress.primary, "STANDBY": standby, "ACTIVE": standby],
            time: now
        )
        return [.emit(event), .finished(.completed(roles))]
    }

    /// The chosen standby cannot be promoted: choose another, the primary staying fenced.
    private mutating func chooseAgain(after problem: String, now: MonotonicInstant) -> [FailoverAction] {
        let remaining = candidates.map { candidate in
            var candidate = candidate
            if progress.failedStandbys.contains(candidate.name) {
                candidate.failed = true
            }
            return candidate
        }
        let choice = placement.choose(from: remaining, excluding: progress.primary)
        guard let next = choice.standby else {
            return abort("\(problem); no other standby can take over; \(progress.primary) stays fenced", now: now)
        }
        progress.standby = next
        progress.promotionIssued = nil
        progress.phase = .checkingStandby
        return [
            .emit(progressEvent("\(problem); trying \(next)", now)),
            .checkStatus(target: next, sequence: nextSequence()),
        ]
    }

    private mutating func abort(_ reason: String, now: MonotonicInstant) -> [FailoverAction] {
        progress.phase = .aborted
        progress.abortReason = reason
        let event = Event(
            kind: .failoverAborted,
            target: service,
            message: "\(service): failover from \(progress.primary) aborted: \(reason)",
            fields: ["PRIMARY": progress.primary, "STANDBY": progress.standby ?? "", "REASON": reason],
            time: now
        )
        return [.emit(event), .finished(.aborted(reason: reason))]
    }

    func progressEvent(_ text: String, _ now: MonotonicInstant) -> Event {
        Event(
            kind: .failoverProgress,
            target: service,
            message: "\(service): \(text)",
            fields: [
                "PRIMARY": progress.primary, "STANDBY": progress.standby ?? "", "PHASE": progress.phase.rawValue,
            ],
            time: now
        )
    }
}
