/// What a `RecoveryLadder` persists so that a restarted vigild resumes where it was. Monotonic instants do not
/// survive (windows and deadlines start afresh on resume); the ladder it was made for does, so a ladder changed
/// across the restart starts clean.
public struct RecoveryLadderSnapshot: Sendable, Equatable, Codable {
    /// `watching`, `backing-off`, `acting`, `verifying`, `failed` or `fenced` (`RecoveryPhase.word`).
    public var phase: String
    /// The step under way (acting, verifying), when there is one.
    public var step: Int?
    public var position: Int
    public var attempts: [RecoveryAttempt]
    public var sequence: Int
    public var maintenance: Bool
    public var ladder: [RecoveryStep]

    public init(
        phase: String,
        step: Int?,
        position: Int,
        attempts: [RecoveryAttempt],
        sequence: Int,
        maintenance: Bool,
        ladder: [RecoveryStep]
    ) {
        self.phase = phase
        self.step = step
        self.position = position
        self.attempts = attempts
        self.sequence = sequence
        self.maintenance = maintenance
        self.ladder = ladder
    }
}

extension RecoveryLadder {
    /// The state to persist.
    public var snapshot: RecoveryLadderSnapshot {
        let step: Int? =
            switch phase {
            case .backingOff(let step, _, _), .acting(let step, _, _), .verifying(let step, _, _): step
            default: nil
            }
        return RecoveryLadderSnapshot(
            phase: phase.word,
            step: step,
            position: position,
            attempts: attempts,
            sequence: sequence,
            maintenance: maintenance,
            ladder: config.ladder
        )
    }

    /// A ladder restored from what vigild persisted before it restarted, and what to do to pick up where it was.
    ///
    /// A step that was under way (or waiting out its backoff) is run again: its outcome was lost, and the operations are safe to repeat
    /// (restart, revert and fence are idempotent; a failover resumes from its own persisted phase). A step that was
    /// being verified is verified again with a fresh window. A failed or fenced target stays so. If the ladder was
    /// changed across the restart, its progress is dropped (maintenance is kept).
    /// - Parameters:
    ///   - target: the target's name.
    ///   - config: its recovery settings now.
    ///   - snapshot: what was persisted.
    ///   - now: the current instant.
    public static func restored(
        target: String,
        config: RecoveryConfig,
        from snapshot: RecoveryLadderSnapshot,
        now: MonotonicInstant
    ) -> (ladder: RecoveryLadder, actions: [RecoveryAction]) {
        var ladder = RecoveryLadder(target: target, config: config)
        ladder.maintenance = snapshot.maintenance
        guard snapshot.ladder == config.ladder else { return (ladder, [.disarmTimer]) }
        ladder.sequence = snapshot.sequence
        ladder.position = min(max(0, snapshot.position), config.ladder.count)
        ladder.attempts = snapshot.attempts
        let step = snapshot.step.flatMap { config.ladder.indices.contains($0) ? $0 : nil }
        let actions = ladder.resume(phase: snapshot.phase, step: step, now: now)
        return (ladder, actions)
    }

    private mutating func resume(phase word: String, step: Int?, now: MonotonicInstant) -> [RecoveryAction] {
        switch (word, step) {
        case ("acting", let step?), ("backing-off", let step?):
            if let last = attempts.indices.last, attempts[last].result == nil {
                attempts[last].result = .interrupted
            }
            guard !maintenance else {
                position = step
                return [.disarmTimer]
            }
            sequence += 1
            position = step
            let trigger = attempts.last?.trigger ?? "vigild restarted during recovery"
            attempts.append(RecoveryAttempt(index: step, step: config.ladder[step], trigger: trigger))
            phase = .acting(step: step, sequence: sequence, deadline: now + config.actionTimeout)
            return [
                .emit(stepEvent(step: step, evidence: trigger + " (resumed after vigild restarted)", now: now)),
                .perform(config.ladder[step], sequence: sequence, timeout: config.actionTimeout),
                .armTimer(at: now + config.actionTimeout),
            ]
        case ("verifying", let step?):
            guard !maintenance else {
                position = step + 1
                return [.disarmTimer]
            }
            phase = .verifying(step: step, since: now, until: now + config.verifyWindow)
            return [.resetDetectors, .armTimer(at: now + config.verifyWindow)]
        case ("failed", _):
            phase = .failed(since: now)
        case ("fenced", _):
            phase = .fenced(since: now)
        default:
            break
        }
        return [.disarmTimer]
    }
}
