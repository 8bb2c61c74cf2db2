/// The recovery policy of one target: a value-type state machine that runs its ladder of steps (`restart`,
/// `revert`, `failover`, `exec:NAME`, `fence`) one at a time and verifies each before trusting it.
///
/// A `failed` verdict starts the step at `position`. When the actuator reports success, the detectors are reset and
/// a verification window opens: the step holds if the target is healthy from its first healthy verdict to the end
/// of the window (or, with `healthyFor`, for that long inside it). A failure inside the window, no healthy verdict,
/// an actuator failure or no outcome within `actionTimeout` moves on to the next step. When the last step does not
/// hold, the target is left `failed` with an event listing every step tried and why it did not hold. `fence` is
/// terminal: once it succeeds the target is left down (`fenced`).
///
/// A verified step leaves the ladder at the next step, so a target that relapses soon escalates; `resetAfter` of
/// continuous health starts it again at the first step. `restart` steps are paced by the target's restart table
/// (`RecoveryConfig.restart`, which a `level` presets): each waits the backoff first (its minimum for the run's
/// first restart step, doubling with each further one), and once `burst` restart steps ran within `within` a
/// restart step is not taken and the ladder goes on to its next step. In maintenance, verdicts are still followed and reported,
/// but no step runs. The ladder performs no I/O and reads no clock.
///
/// Engine use: feed verdicts whenever the detectors decide one (and at least once after each step's action
/// succeeded), actuator outcomes, and timer firings; carry out the returned actions in order; persist `snapshot`
/// after every call that returned actions.
public struct RecoveryLadder: Sendable {
    public let target: String
    public let config: RecoveryConfig
    public internal(set) var phase: RecoveryPhase = .watching
    /// The step the next failure starts with.
    public internal(set) var position = 0
    /// Steps tried since the ladder last started at its first step.
    public internal(set) var attempts: [RecoveryAttempt] = []
    /// Numbers actuator operations, so a late outcome of a cancelled one is recognised and ignored.
    public internal(set) var sequence = 0
    public internal(set) var maintenance = false
    /// The latest verdict, whatever the phase.
    public internal(set) var verdict: Health?
    /// Since when the target has been healthy without interruption; nil while it is not.
    public internal(set) var healthySince: MonotonicInstant?
    /// When the latest step was verified, to say how long it held if the target relapses.
    public internal(set) var verifiedAt: MonotonicInstant?
    /// When restart steps were taken, within the restart table's `within`: the burst limit counts them.
    public internal(set) var restartTimes: [MonotonicInstant] = []

    /// - Parameters:
    ///   - target: the target's name, for events.
    ///   - config: its recovery settings.
    public init(target: String, config: RecoveryConfig) {
        self.target = target
        self.config = config
    }

    /// The detectors' verdict on the target. Suspicion is not a reason to act: a `suspect` verdict changes nothing.
    public mutating func verdict(_ verdict: Health, now: MonotonicInstant) -> [RecoveryAction] {
        if case .suspect = verdict { return [] }
        let previous = self.verdict
        self.verdict = verdict
        var actions: [RecoveryAction] = []
        switch verdict {
        case .healthy:
            if healthySince == nil {
                healthySince = now
            }
            if case .verifying(let step, let since, _) = phase, let healthyFor = config.healthyFor,
                now - healthySince! >= healthyFor
            {
                actions += verified(step: step, since: since, now: now)
            }
        case .suspect:
            break
        case .failed(let failure):
            let evidence = failure.description
            healthySince = nil
            switch phase {
            case .watching:
                if maintenance {
                    if previous != verdict {
                        actions.append(.emit(suppressed(evidence: evidence, now: now)))
                    }
                } else {
                    actions += startRun(evidence: evidence, now: now)
                }
            case .verifying(let step, let since, let until):
                let result = RecoveryAttempt.Result.failedInWindow(
                    evidence: evidence,
                    after: now - since,
                    window: until - since
                )
                actions += stepDidNotHold(step: step, result: result, evidence: evidence, now: now)
            case .backingOff, .acting, .failed, .fenced:
                // Backing off or acting: a target about to be or being restarted looks failed; the outcome decides.
                // Failed or fenced: nothing more to do until an operator acts.
                break
            }
        }
        return actions + timerActions()
    }

    /// The outcome of operation `sequence`.
    public mutating func outcome(
        _ outcome: RecoveryOutcome,
        sequence: Int,
        now: MonotonicInstant
    ) -> [RecoveryAction] {
        guard case .acting(let step, let current, _) = phase, current == sequence else { return [] }
        var actions: [RecoveryAction] = []
        switch outcome {
        case .succeeded:
            if config.ladder[step] == .fence {
                attempts[attempts.count - 1].result = .fenced
                phase = .fenced(since: now)
                actions.append(.emit(fenced(step: step, now: now)))
            } else {
                phase = .verifying(step: step, since: now, until: now + config.verifyWindow)
                // Verdicts from before the action do not count: the detectors judge the target afresh.
                healthySince = nil
                verdict = nil
                actions.append(.resetDetectors)
            }
        case .failed(let reason):
            let result = RecoveryAttempt.Result.actuatorFailed(reason: reason)
            actions += stepDidNotHold(step: step, result: result, evidence: lastTrigger, now: now)
        case .timedOut:
            let result = RecoveryAttempt.Result.timedOut(after: config.actionTimeout)
            actions += stepDidNotHold(step: step, result: result, evidence: lastTrigger, now: now)
        }
        return actions + timerActions()
    }

    /// The ladder's timer went off.
    public mutating func timerFired(now: MonotonicInstant) -> [RecoveryAction] {
        var actions: [RecoveryAction] = []
        switch phase {
        case .backingOff(let step, let sequence, let until):
            if now >= until {
                actions += perform(step, sequence: sequence, now: now)
            }
        case .acting(let step, let sequence, let deadline) where now >= deadline:
            actions.append(.cancel(sequence: sequence))
            let result = RecoveryAttempt.Result.timedOut(after: config.actionTimeout)
            actions += stepDidNotHold(step: step, result: result, evidence: lastTrigger, now: now)
        case .verifying(let step, let since, let until):
            if let healthySince, let healthyFor = config.healthyFor, now - healthySince >= healthyFor {
                actions += verified(step: step, since: since, now: now)
            } else if now >= until {
                if healthySince != nil, config.healthyFor == nil {
                    actions += verified(step: step, since: since, now: now)
                } else {
                    let result = RecoveryAttempt.Result.notHealthy(window: until - since, healthyFor: config.healthyFor)
                    actions += stepDidNotHold(step: step, result: result, evidence: lastTrigger, now: now)
                }
            }
        case .watching:
            if let healthySince, now - healthySince >= config.resetAfter, position > 0 || !attempts.isEmpty {
                actions.append(.emit(resetEvent(now: now)))
                position = 0
                attempts = []
            }
        default:
            break
        }
        return actions + timerActions()
    }

    /// Enters or leaves maintenance. Entering it cancels a step under way; leaving it starts the ladder if the
    /// target is failed meanwhile.
    public mutating func setMaintenance(_ on: Bool, now: MonotonicInstant) -> [RecoveryAction] {
        guard on != maintenance else { return [] }
        maintenance = on
        var actions: [RecoveryAction] = []
        if on {
            switch phase {
            case .backingOff(let step, _, _):
                attempts[attempts.count - 1].result = .interrupted
                position = step
                phase = .watching
            case .acting(let step, let sequence, _):
                actions.append(.cancel(sequence: sequence))
                attempts[attempts.count - 1].result = .interrupted
                // The step did not get its chance: it runs again if the target is still failed afterwards.
                position = step
                phase = .watching
            case .verifying(let step, _, _):
                attempts[attempts.count - 1].result = .interrupted
                position = step + 1
                phase = .watching
            default:
                break
            }
        } else if case .watching = phase, case .failed(let evidence) = verdict {
            actions += startRun(evidence: evidence.description, now: now)
        }
        return actions + timerActions()
    }

    /// An operator cleared the target (`vigilctl reset`, reload): the ladder starts again at its first step with
    /// its restart burst limit cleared, and a failed verdict already known starts it at once.
    public mutating func reset(now: MonotonicInstant) -> [RecoveryAction] {
        var actions: [RecoveryAction] = []
        if case .acting(_, let sequence, _) = phase {
            actions.append(.cancel(sequence: sequence))
        }
        phase = .watching
        position = 0
        attempts = []
        restartTimes = []
        if !maintenance, case .failed(let evidence) = verdict {
            actions += startRun(evidence: evidence.description, now: now)
        }
        return actions + timerActions()
    }

    /// The step a failure reported now would run: the one at `position` while watching, the one after the step
    /// being verified while verifying; `nil` while a step is under way or waits, or when the ladder is failed, fenced
    /// or in maintenance (no step runs for a failure then).
    public var nextStep: RecoveryStep? {
        guard !maintenance else { return nil }
        let next: Int
        switch phase {
        case .watching: next = position
        case .verifying(let step, _, _): next = step + 1
        case .acting, .backingOff, .failed, .fenced: return nil
        }
        return next < config.ladder.count ? config.ladder[next] : nil
    }

    /// Whether no recovery is under way and none is pending.
    public var isIdle: Bool {
        phase == .watching
    }

    // MARK: Transitions

    /// A failure while watching: marks a verified step as relapsed and runs the step at `position`.
    private mutating func startRun(evidence: String, now: MonotonicInstant) -> [RecoveryAction] {
        if let last = attempts.indices.last, attempts[last].result == .held {
            // The step held its window but not until the reset: record why the ladder escalates.
            attempts[last].result = .relapsed(evidence: evidence, after: verifiedAt.map { now - $0 } ?? .zero)
        }
        guard position < config.ladder.count else {
            return exhausted(evidence: evidence, now: now)
        }
        return runStep(position, evidence: evidence, now: now)
    }

    private mutating func runStep(_ step: Int, evidence: String, now: MonotonicInstant) -> [RecoveryAction] {
        position = step
        let recoveryStep = config.ladder[step]
        var backoff: Duration = .zero
        if recoveryStep == .restart {
            let pacing = config.restart
            restartTimes.removeAll { now - $0 >= pacing.within }
            let taken = attempts.filter { attempt in
                if case .rateLimited = attempt.result { return false }
                return attempt.step == .restart
            }
            attempts.append(RecoveryAttempt(index: step, step: recoveryStep, trigger: evidence))
            guard restartTimes.count < pacing.burst else {
                let result = RecoveryAttempt.Result.rateLimited(restarts: restartTimes.count, within: pacing.within)
                return stepDidNotHold(step: step, result: result, evidence: evidence, now: now)
            }
            restartTimes.append(now)
            // No jitter: the ladder is one target's, with no herd of peers to spread out.
            backoff = Backoff(min: pacing.backoffMin, max: pacing.backoffMax).delay(attempt: taken.count + 1, unit: 0.5)
        } else {
            attempts.append(RecoveryAttempt(index: step, step: recoveryStep, trigger: evidence))
        }
        sequence += 1
        let event = RecoveryAction.emit(stepEvent(step: step, evidence: evidence, backoff: backoff, now: now))
        guard backoff > .zero else {
            return [event] + perform(step, sequence: sequence, now: now)
        }
        phase = .backingOff(step: step, sequence: sequence, until: now + backoff)
        return [event]
    }

    /// Asks for step `step` as operation `sequence`, and awaits its outcome.
    private mutating func perform(_ step: Int, sequence: Int, now: MonotonicInstant) -> [RecoveryAction] {
        phase = .acting(step: step, sequence: sequence, deadline: now + config.actionTimeout)
        return [.perform(config.ladder[step], sequence: sequence, timeout: config.actionTimeout)]
    }

    private mutating func verified(step: Int, since: MonotonicInstant, now: MonotonicInstant) -> [RecoveryAction] {
        attempts[attempts.count - 1].result = .held
        verifiedAt = now
        phase = .watching
        position = step + 1
        return [.emit(verifiedEvent(step: step, after: now - since, now: now))]
    }

    /// The step at `step` did not hold: records why and runs the next one, or leaves the target failed.
    private mutating func stepDidNotHold(
        step: Int,
        result: RecoveryAttempt.Result,
        evidence: String,
        now: MonotonicInstant
    ) -> [RecoveryAction] {
        attempts[attempts.count - 1].result = result
        let next = step + 1
        var actions: [RecoveryAction] = [.emit(stepFailedEvent(step: step, result: result, now: now))]
        if next < config.ladder.count {
            actions += runStep(next, evidence: evidence, now: now)
        } else {
            position = next
            actions += exhausted(evidence: evidence, now: now)
        }
        return actions
    }

    private mutating func exhausted(evidence: String, now: MonotonicInstant) -> [RecoveryAction] {
        phase = .failed(since: now)
        return [.emit(exhaustedEvent(evidence: evidence, now: now))]
    }

    /// The evidence that started the step under way.
    private var lastTrigger: String {
        attempts.last?.trigger ?? "unknown failure"
    }

    /// The one timer the current phase needs.
    private func timerActions() -> [RecoveryAction] {
        switch phase {
        case .backingOff(_, _, let until):
            return [.armTimer(at: until)]
        case .acting(_, _, let deadline):
            return [.armTimer(at: deadline)]
        case .verifying(_, _, let until):
            if let healthySince, let healthyFor = config.healthyFor {
                return [.armTimer(at: min(until, healthySince + healthyFor))]
            }
            return [.armTimer(at: until)]
        case .watching:
            if let healthySince, position > 0 || !attempts.isEmpty {
                return [.armTimer(at: healthySince + config.resetAfter)]
            }
            return [.disarmTimer]
        case .failed, .fenced:
            return [.disarmTimer]
        }
    }
}
