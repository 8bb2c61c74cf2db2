/// What vigild currently believes about a target that sends heartbeats.
public enum HeartbeatVerdict: String, Sendable, Equatable, CaseIterable {
    /// Heartbeats arrive as expected (or the level is below `suspect`).
    case trusted
    /// The level reached `suspect`: an event, a precaution. A heartbeat clears it.
    case suspected
    /// The level reached `convict`: a fault, recovery follows. Only a new judge (the engine makes one
    /// for each new instance of the target) starts trusted again.
    case convicted
}

/// One change of verdict, with the level that caused it.
public struct HeartbeatTransition: Sendable, Equatable {
    public var from: HeartbeatVerdict
    public var to: HeartbeatVerdict
    public var at: MonotonicInstant
    /// The detector's level when the transition was decided.
    public var level: Double

    public init(from: HeartbeatVerdict, to: HeartbeatVerdict, at: MonotonicInstant, level: Double) {
        self.from = from
        self.to = to
        self.at = at
        self.level = level
    }

    /// A suspicion cleared by a heartbeat.
    public var isSuspicionCleared: Bool {
        from == .suspected && to == .trusted
    }
}

/// Turns a detector's level into verdicts with the two thresholds of `HeartbeatConfig`: a pure state machine the
/// engine drives with heartbeats and timer firings.
///
/// Engine use: feed every heartbeat to `heartbeat(at:)`; arm one timer at `nextDeadline()` after every call; when
/// it fires, call `evaluate(at:)`. Act on the transitions returned. A level within 1e-9 of a threshold counts as
/// reaching it, the same tolerance `HeartbeatDetector.instant(whenLevelReaches:)` promises, so a timer armed at the
/// deadline always decides.
public struct HeartbeatJudge: Sendable {
    public private(set) var detector: HeartbeatDetector
    public private(set) var verdict: HeartbeatVerdict = .trusted
    private static let tolerance = 1e-9

    /// - Parameters:
    ///   - config: the target's heartbeat table.
    ///   - start: when the target was started.
    public init(config: HeartbeatConfig, start: MonotonicInstant) {
        detector = HeartbeatDetector(config: config, start: start)
    }

    public var config: HeartbeatConfig {
        detector.config
    }

    /// A heartbeat arrived at `time`. It clears a suspicion; it does not undo a conviction (recovery is under way;
    /// the engine makes a new judge once the target was restarted).
    public mutating func heartbeat(at time: MonotonicInstant) -> [HeartbeatTransition] {
        detector.heartbeat(at: time)
        guard verdict == .suspected else { return [] }
        verdict = .trusted
        return [HeartbeatTransition(from: .suspected, to: .trusted, at: time, level: detector.level(at: time))]
    }

    /// Compares the level at `now` with the thresholds. Returns `trusted → suspected`, `suspected → convicted`, or
    /// both when the level passed both thresholds since the last evaluation; nothing when the verdict stands.
    public mutating func evaluate(at now: MonotonicInstant) -> [HeartbeatTransition] {
        let level = detector.level(at: now)
        var transitions: [HeartbeatTransition] = []
        if verdict == .trusted, level >= config.suspect - Self.tolerance {
            transitions.append(HeartbeatTransition(from: .trusted, to: .suspected, at: now, level: level))
            verdict = .suspected
        }
        if verdict == .suspected, level >= config.convict - Self.tolerance {
            transitions.append(HeartbeatTransition(from: .suspected, to: .convicted, at: now, level: level))
            verdict = .convicted
        }
        return transitions
    }

    /// When to call `evaluate(at:)` next if no heartbeat arrives: where the level reaches the next threshold. Nil
    /// once convicted.
    public func nextDeadline() -> MonotonicInstant? {
        switch verdict {
        case .trusted: detector.instant(whenLevelReaches: config.suspect)
        case .suspected: detector.instant(whenLevelReaches: config.convict)
        case .convicted: nil
        }
    }

    /// A reload changed only the thresholds (`PolicyChange.Heartbeat.thresholds`): the detector keeps the arrivals
    /// it has seen, and the new `suspect` and `convict` decide from the next `evaluate(at:)`. A suspicion stands until
    /// a heartbeat clears it, and a conviction stands.
    /// - Parameter config: the new heartbeat table; only its `suspect` and `convict` are taken.
    public mutating func updateThresholds(from config: HeartbeatConfig) {
        detector.setThresholds(suspect: config.suspect, convict: config.convict)
    }

    /// vigild itself was stalled (see `StallGuard`): silence before the stall's end is not held against the target.
    public mutating func excuse(_ stall: Stall) {
        detector.excuse(until: stall.end)
    }
}
