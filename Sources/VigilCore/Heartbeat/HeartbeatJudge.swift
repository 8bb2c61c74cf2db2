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
///
/// With `config.qos` the thresholds are not the configured ones but derived from the link after every heartbeat
/// (`HeartbeatQoS`); `reviewQoS(at:)` says when the link starts or stops being able to meet the request.
public struct HeartbeatJudge: Sendable {
    public private(set) var detector: HeartbeatDetector
    public private(set) var verdict: HeartbeatVerdict = .trusted
    /// The thresholds in force: the configured ones, or the latest derived from `config.qos`.
    public private(set) var suspect: Double
    public private(set) var convict: Double
    /// The latest derivation, with `config.qos`.
    public private(set) var derivation: HeartbeatQoSThresholds?
    /// Whether the link met the request at the last review that changed it (it is presumed to until shown not to).
    public private(set) var qosMet = true
    private static let tolerance = 1e-9
    /// Inter-arrival samples before the link is judged against the request: a minute at 100 ms.
    public static let qosWarmup = 600

    /// - Parameters:
    ///   - config: the target's heartbeat table.
    ///   - start: when the target was started.
    ///   - previous: the judge of the previous instance of the same target: a `loss` detector keeps what it learnt
    ///     about the link (a restarted process is still behind the same network), and the QoS status is kept.
    public init(config: HeartbeatConfig, start: MonotonicInstant, previous: HeartbeatJudge? = nil) {
        if let previous, previous.config == config {
            detector = previous.detector.rearmed(at: start)
            qosMet = previous.qosMet
        } else {
            detector = HeartbeatDetector(config: config, start: start)
        }
        suspect = config.suspect
        convict = config.convict
        derive()
    }

    public var config: HeartbeatConfig {
        detector.config
    }

    /// A heartbeat arrived at `time`. It clears a suspicion; it does not undo a conviction (recovery is under way;
    /// the engine makes a new judge once the target was restarted).
    /// - Parameters:
    ///   - time: when it was received.
    ///   - sequence: its sequence number, when the wire carried one.
    public mutating func heartbeat(at time: MonotonicInstant, sequence: UInt64? = nil) -> [HeartbeatTransition] {
        detector.heartbeat(at: time, sequence: sequence)
        derive()
        guard verdict == .suspected else { return [] }
        verdict = .trusted
        return [HeartbeatTransition(from: .suspected, to: .trusted, at: time, level: detector.level(at: time))]
    }

    /// Compares the level at `now` with the thresholds. Returns `trusted → suspected`, `suspected → convicted`, or
    /// both when the level passed both thresholds since the last evaluation; nothing when the verdict stands.
    public mutating func evaluate(at now: MonotonicInstant) -> [HeartbeatTransition] {
        let level = detector.level(at: now)
        var transitions: [HeartbeatTransition] = []
        if verdict == .trusted, level >= suspect - Self.tolerance {
            transitions.append(HeartbeatTransition(from: .trusted, to: .suspected, at: now, level: level))
            verdict = .suspected
        }
        if verdict == .suspected, level >= convict - Self.tolerance {
            transitions.append(HeartbeatTransition(from: .suspected, to: .convicted, at: now, level: level))
            verdict = .convicted
        }
        return transitions
    }

    /// When to call `evaluate(at:)` next if no heartbeat arrives: where the level reaches the next threshold. Nil
    /// once convicted.
    public func nextDeadline() -> MonotonicInstant? {
        switch verdict {
        case .trusted: detector.instant(whenLevelReaches: suspect)
        case .suspected: detector.instant(whenLevelReaches: convict)
        case .convicted: nil
        }
    }

    /// A reload changed only the thresholds (`PolicyChange.Heartbeat.thresholds`): the detector keeps the arrivals
    /// it has seen, and the new `suspect` and `convict` decide from the next `evaluate(at:)`. A suspicion stands until
    /// a heartbeat clears it, and a conviction stands.
    /// - Parameter config: the new heartbeat table; only its `suspect` and `convict` are taken.
    public mutating func updateThresholds(from config: HeartbeatConfig) {
        detector.setThresholds(suspect: config.suspect, convict: config.convict)
        if config.qos == nil {
            (suspect, convict) = (config.suspect, config.convict)
        }
    }

    /// With `config.qos`: whether the link has started or stopped meeting the request since the last change.
    ///
    /// Judged only after `qosWarmup` samples (before, the priors speak more than the link), with half a decade of
    /// hysteresis on the way back so that a link at the edge does not flap. The engine calls it after every
    /// heartbeat and records the change as an event.
    public mutating func reviewQoS(at now: MonotonicInstant) -> HeartbeatQoSChange? {
        guard let qos = config.qos, let derivation, detector.link.samples >= Self.qosWarmup else { return nil }
        let met = derivation.meets(slack: qosMet ? 0 : 0.5)
        guard met != qosMet else { return nil }
        qosMet = met
        return HeartbeatQoSChange(
            met: met,
            qos: qos,
            thresholds: derivation,
            neededDetection: detector.silence(whenLevelReaches: derivation.rateLevel),
            link: detector.link,
            at: now
        )
    }

    /// Before the first heartbeat the level counts intervals past the first-heartbeat grace, not a probability:
    /// the configured thresholds apply until there is a link to derive from.
    private mutating func derive() {
        guard let qos = config.qos else { return }
        guard detector.lastArrival != nil else {
            (suspect, convict) = (config.suspect, config.convict)
            return
        }
        let derived = qos.thresholds(for: detector)
        derivation = derived
        suspect = derived.suspect
        convict = derived.convict
    }

    /// vigild itself was stalled (see `StallGuard`): silence before the stall's end is not held against the target.
    public mutating func excuse(_ stall: Stall) {
        detector.excuse(until: stall.end)
    }
}
