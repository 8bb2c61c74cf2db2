/// Chen, Toueg and Aguilera's quality-of-service metrics of one detector at one conviction threshold on one trace.
///
/// The detector "suspects" wherever its level is at or above the threshold; a suspicion that starts while the
/// sender is up (before the crash) is a false conviction, a mistake, and lasts until the next heartbeat arrives.
public struct DetectorQoS: Sendable, Equatable {
    public var threshold: Double
    /// T_D: from the crash to the start of the final, permanent conviction, in seconds (0 when that conviction began
    /// before the crash). Nil when the trace has no crash.
    public var detectionTime: Double?
    /// Mistakes: convictions that started before the crash.
    public var falseConvictions: Int
    /// T_MR: the mean time between the starts of consecutive mistakes, in seconds; nil with fewer than two.
    public var mistakeRecurrence: Double?
    /// T_M: the mean duration of a mistake, in seconds; nil without mistakes.
    public var mistakeDuration: Double?
    /// P_A: the fraction of the time the sender was up during which the detector did not suspect it.
    public var queryAccuracy: Double
    /// Seconds during which the sender was up (from `start` to the crash or last arrival).
    public var observed: Double

    /// λ_M, mistakes per hour of observed time.
    public var mistakesPerHour: Double {
        observed > 0 ? Double(falseConvictions) * 3600 / observed : 0
    }
}

/// Replays traces through detectors and measures them.
///
/// Replay is event-driven: between two arrivals the level only grows, so it is computed once, at the next arrival,
/// and only thresholds it reached are located with `instant(whenLevelReaches:)`. One pass serves every threshold.
public enum DetectorEvaluation {
    /// Measures `config`'s detector on `trace` at each of `thresholds` (its `suspect` and `convict` are not used).
    /// - Returns: one result per threshold, in the order given.
    public static func evaluate(
        _ trace: HeartbeatTrace,
        config: HeartbeatConfig,
        thresholds: [Double]
    ) -> [DetectorQoS] {
        let start = instant(trace.start)
        let up = instant(trace.end)
        var detector = HeartbeatDetector(config: config, start: start)
        let order = thresholds.indices.sorted { thresholds[$0] < thresholds[$1] }
        var tallies = [Tally](repeating: Tally(), count: thresholds.count)

        for (number, arrival) in trace.arrivals.map(instant).enumerated() {
            let top = detector.level(at: arrival)
            for index in order {
                guard thresholds[index] - 1e-9 <= top else { break }
                guard let conviction = detector.instant(whenLevelReaches: thresholds[index]), conviction < arrival,
                    conviction < up
                else { continue }
                tallies[index].mistake(from: conviction, until: arrival, upUntil: up)
            }
            detector.heartbeat(at: arrival, sequence: trace.sequences?[number])
        }

        return thresholds.indices.map { index in
            result(tallies[index], detector: detector, threshold: thresholds[index], trace: trace)
        }
    }

    /// Measures a judge configured by quality of service (`config.qos`). Its thresholds move with the link, so
    /// each silence is judged against the convict threshold derived at the heartbeat that began it, as vigild
    /// does. The result's `threshold` is the last one derived.
    public static func evaluateQoS(_ trace: HeartbeatTrace, config: HeartbeatConfig) -> DetectorQoS {
        let up = instant(trace.end)
        var judge = HeartbeatJudge(config: config, start: instant(trace.start))
        var tally = Tally()
        for (number, arrival) in trace.arrivals.map(instant).enumerated() {
            // As in `evaluate`: only a gap whose level reached the threshold needs the crossing located.
            if judge.detector.level(at: arrival) >= judge.convict - 1e-9,
                let conviction = judge.detector.instant(whenLevelReaches: judge.convict), conviction < arrival,
                conviction < up
            {
                tally.mistake(from: conviction, until: arrival, upUntil: up)
            }
            _ = judge.heartbeat(at: arrival, sequence: trace.sequences?[number])
        }
        return result(tally, detector: judge.detector, threshold: judge.convict, trace: trace)
    }

    private static func result(
        _ tally: Tally,
        detector: HeartbeatDetector,
        threshold: Double,
        trace: HeartbeatTrace
    ) -> DetectorQoS {
        var tally = tally
        let start = instant(trace.start)
        let up = instant(trace.end)
        var detection: Double?
        if let crash = trace.crash.map(instant) {
            let final = detector.instant(whenLevelReaches: threshold) ?? crash
            detection = max(0, seconds(final - crash))
            if final < crash {
                tally.suspected += crash - final
            }
        }
        let observed = seconds(up - start)
        return DetectorQoS(
            threshold: threshold,
            detectionTime: detection,
            falseConvictions: tally.count,
            mistakeRecurrence: tally.count >= 2
                ? seconds(tally.lastStart! - tally.firstStart!) / Double(tally.count - 1) : nil,
            mistakeDuration: tally.count > 0 ? seconds(tally.duration) / Double(tally.count) : nil,
            queryAccuracy: observed > 0 ? 1 - seconds(tally.suspected) / observed : 1,
            observed: observed
        )
    }

    /// Evaluates one detector on several traces and summarises each threshold across them.
    public static func summarize(
        _ traces: [HeartbeatTrace],
        config: HeartbeatConfig,
        thresholds: [Double]
    ) -> [DetectorSummary] {
        let runs = traces.map { evaluate($0, config: config, thresholds: thresholds) }
        return thresholds.indices.map { index in
            DetectorSummary(runs: runs.map { $0[index] }, threshold: thresholds[index])
        }
    }

    static func instant(_ seconds: Double) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: Int64((seconds * 1e9).rounded()))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.nanoseconds) / 1e9
    }

    private struct Tally {
        var count = 0
        var firstStart: MonotonicInstant?
        var lastStart: MonotonicInstant?
        var duration: Duration = .zero
        var suspected: Duration = .zero

        mutating func mistake(from start: MonotonicInstant, until end: MonotonicInstant, upUntil up: MonotonicInstant) {
            count += 1
            firstStart = firstStart ?? start
            lastStart = start
            duration += end - start
            suspected += min(end, up) - start
        }
    }
}
