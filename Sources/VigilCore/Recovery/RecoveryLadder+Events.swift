extension RecoveryLadder {
    /// `restart, restart, failover`, for events.
    var ladderText: String {
        config.ladder.map(\.description).joined(separator: ", ")
    }

    /// `2/5`: a step's place in the ladder, 1-based, for messages.
    func place(_ step: Int) -> String {
        "\(step + 1)/\(config.ladder.count)"
    }

    /// - Parameter backoff: how long a `restart` step waits before it is performed (the restart backoff).
    func stepEvent(step: Int, evidence: String, backoff: Duration = .zero, now: MonotonicInstant) -> Event {
        let recoveryStep = config.ladder[step]
        var fields = [
            "STEP": recoveryStep.description, "STEP_INDEX": String(step + 1), "EVIDENCE": evidence,
            "SEQUENCE": String(sequence), "LADDER": ladderText,
        ]
        var when = ""
        if backoff > .zero {
            fields["BACKOFF_USEC"] = String(backoff.microseconds)
            when = " in \(backoff.humanReadable)"
        }
        return Event(
            kind: .recoveryStep,
            target: target,
            message: "\(target): \(evidence); recovery step \(place(step)): \(recoveryStep)\(when)",
            fields: fields,
            time: now
        )
    }

    func verifiedEvent(step: Int, after: Duration, now: MonotonicInstant) -> Event {
        let recoveryStep = config.ladder[step]
        let how =
            config.healthyFor.map { "healthy for \($0.humanReadable)" }
            ?? "healthy through its \(config.verifyWindow.humanReadable) verification window"
        return Event(
            kind: .recoveryVerified,
            target: target,
            message: "\(target): recovery step \(place(step)) (\(recoveryStep)) held: \(how)",
            fields: [
                "STEP": recoveryStep.description, "STEP_INDEX": String(step + 1),
                "VERIFY_USEC": String(after.microseconds),
            ],
            time: now
        )
    }

    func stepFailedEvent(step: Int, result: RecoveryAttempt.Result, now: MonotonicInstant) -> Event {
        let recoveryStep = config.ladder[step]
        let next = step + 1 < config.ladder.count ? "; next: \(config.ladder[step + 1])" : "; no steps left"
        return Event(
            kind: .recoveryStepFailed,
            target: target,
            message: "\(target): recovery step \(place(step)) (\(recoveryStep)) did not hold: "
                + RecoveryAttempt.describe(result) + next,
            fields: [
                "STEP": recoveryStep.description, "STEP_INDEX": String(step + 1),
                "REASON": RecoveryAttempt.describe(result),
            ],
            time: now
        )
    }

    func exhaustedEvent(evidence: String, now: MonotonicInstant) -> Event {
        let tried =
            attempts.isEmpty
            ? "no recovery steps are configured"
            : "tried " + attempts.map(\.summary).joined(separator: "; ")
        return Event(
            kind: .recoveryExhausted,
            target: target,
            message: "\(target): recovery exhausted, target left failed (\(evidence)): \(tried)",
            fields: [
                "EVIDENCE": evidence, "LADDER": ladderText, "TRIED": attempts.map(\.summary).joined(separator: "; "),
                "STEPS_TRIED": String(attempts.count),
            ],
            time: now
        )
    }

    func fenced(step: Int, now: MonotonicInstant) -> Event {
        let tried = attempts.dropLast().map(\.summary).joined(separator: "; ")
        return Event(
            kind: .targetFenced,
            target: target,
            message: "\(target): fenced (recovery step \(place(step))); it stays down until reset"
                + (tried.isEmpty ? "" : "; before: \(tried)"),
            fields: ["STEP_INDEX": String(step + 1), "TRIED": tried],
            time: now
        )
    }

    func resetEvent(now: MonotonicInstant) -> Event {
        Event(
            kind: .recoveryReset,
            target: target,
            message: "\(target): healthy for \(config.resetAfter.humanReadable); recovery starts again at step 1 "
                + "(\(config.ladder.first?.description ?? "none"))",
            fields: ["RESET_AFTER_USEC": String(config.resetAfter.microseconds)],
            time: now
        )
    }

    func suppressed(evidence: String, now: MonotonicInstant) -> Event {
        Event(
            kind: .recoverySuppressed,
            target: target,
            message: "\(target): \(evidence); in maintenance, no recovery",
            fields: ["EVIDENCE": evidence, "MAINTENANCE": "1"],
            time: now
        )
    }
}
