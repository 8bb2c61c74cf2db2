/// One target's heartbeat failure detector: arrivals go in, a suspicion level that grows with silence comes out.
///
/// The level is what `HeartbeatConfig` describes: φ for `phi`, silence in intervals for `fixed`, and for `chen` how
/// far past Chen's expected arrival the silence has gone, in intervals; for `loss` it is −log₁₀ of the probability
/// that a live sender, on the link observed so far, leaves a silence this long (`LossBurstModel`). It only grows while no heartbeat arrives, so
/// the engine arms one timer at `instant(whenLevelReaches:)` instead of polling.
///
/// Before the first heartbeat every kind answers `max(0, (now − start − firstHeartbeatGrace) / interval)`: a target
/// that never sends is convicted `firstHeartbeatGrace + convict × interval` after the detector was (re)armed (for
/// `phi` too, whose φ has no statistics to stand on yet).
///
/// The detector is a plain value: no clock, no I/O. Arrivals earlier than the latest one (reordered datagrams) and
/// earlier than `start` are ignored.
public struct HeartbeatDetector: Sendable {
    public private(set) var config: HeartbeatConfig
    /// When the detector was (re)armed; moved forward by `excuse(until:)` before the first heartbeat.
    public private(set) var start: MonotonicInstant
    /// Heartbeats accepted.
    public private(set) var arrivals = 0
    /// The latest heartbeat accepted.
    public private(set) var lastArrival: MonotonicInstant?
    /// Where silence is counted from: the latest arrival, or later after `excuse(until:)`.
    private var silenceOrigin: MonotonicInstant
    /// Arrivals up to this instant are a backlog read after a stall of vigild: they prove life but their spacing
    /// says nothing about the sender, so they give no samples.
    private var backlogUntil: MonotonicInstant?
    private var intervals: SlidingWindow
    private var chen: ChenEstimator
    private var lossModel: LossBurstModel
    private let armedAt: MonotonicInstant
    /// The nominal interval in nanoseconds, as a `Double` for the level arithmetic.
    private let interval: Double
    private let intervalNanoseconds: Int64

    /// - Parameters:
    ///   - config: the target's heartbeat table.
    ///   - start: when the target was (re)started, from which `firstHeartbeatGrace` runs.
    public init(config: HeartbeatConfig, start: MonotonicInstant) {
        self.config = config
        self.start = start
        self.armedAt = start
        self.silenceOrigin = start
        self.intervalNanoseconds = max(1, config.interval.nanoseconds)
        self.interval = Double(intervalNanoseconds)
        self.intervals = SlidingWindow(capacity: config.window)
        self.chen = ChenEstimator(window: config.window)
        self.lossModel = LossBurstModel(
            interval: Double(intervalNanoseconds),
            floor: Double(config.minStandardDeviation.nanoseconds),
            window: config.window
        )
    }

    /// A fresh detector armed at `start` (no arrival, first-heartbeat grace again) that keeps what a `loss` detector
    /// learnt about the link: the target restarted, its network did not.
    public func rearmed(at start: MonotonicInstant) -> HeartbeatDetector {
        var fresh = HeartbeatDetector(config: config, start: start)
        if config.detector == .loss {
            fresh.lossModel = lossModel
            fresh.lossModel.forgetPosition()
        }
        return fresh
    }

    /// New `suspect` and `convict` thresholds: the level does not depend on them, so the history stays as it is.
    mutating func setThresholds(suspect: Double, convict: Double) {
        config.suspect = suspect
        config.convict = convict
    }

    /// The mean inter-arrival time over the window; nil before two heartbeats.
    public var meanInterArrival: Duration? {
        intervals.mean.map { .nanoseconds(Int64($0.rounded())) }
    }

    /// The standard deviation of inter-arrival times over the window (not floored); nil before two heartbeats.
    public var standardDeviation: Duration? {
        intervals.standardDeviation.map { .nanoseconds(Int64($0.rounded())) }
    }

    /// Records a heartbeat that arrived at `time`.
    /// - Parameters:
    ///   - time: when it was received.
    ///   - sequence: its sequence number from the wire, when it has one; the `loss` detector counts the heartbeats
    ///     lost before it from the gap, and infers them from the time since the previous one otherwise.
    public mutating func heartbeat(at time: MonotonicInstant, sequence: UInt64? = nil) {
        guard time >= armedAt, lastArrival.map({ time >= $0 }) ?? true else { return }
        let fresh = backlogUntil.map { time > $0 } ?? true
        if config.detector == .loss {
            lossModel.record(arrival: time.nanoseconds, sequence: sequence, sample: fresh)
        }
        if fresh {
            if let lastArrival {
                intervals.append((time - lastArrival).nanoseconds)
            }
            chen.record(time, intervalNanoseconds: intervalNanoseconds)
            backlogUntil = nil
        }
        arrivals += 1
        lastArrival = time
        silenceOrigin = max(silenceOrigin, time)
    }

    /// vigild could not listen until `end` (it was stalled): silence counts from `end`, and the backlog of
    /// heartbeats read within half an interval after it is recorded without inter-arrival samples.
    ///
    /// This forgives silence that may have been vigild's own deafness. A target that really died before `end`
    /// is still convicted, at most one threshold's worth of silence after `end`.
    public mutating func excuse(until end: MonotonicInstant) {
        guard end > silenceOrigin else { return }
        silenceOrigin = end
        if lastArrival == nil {
            start = end
        } else {
            backlogUntil = end + .nanoseconds(intervalNanoseconds / 2)
        }
    }

    /// The suspicion level at `now`, assuming no heartbeat arrives in between.
    public func level(at now: MonotonicInstant) -> Double {
        // Nanoseconds throughout, so that a silence of exactly k intervals is exactly level k.
        let silence = Double(max(0, (now - silenceOrigin).nanoseconds))
        guard lastArrival != nil else {
            return max(0, (silence - nanoseconds(config.firstHeartbeatGrace)) / interval)
        }
        switch config.detector {
        case .fixed:
            return silence / interval
        case .chen:
            return (silence - chenDelay) / interval
        case .phi:
            let (mean, deviation) = phiParameters
            return -HeartbeatMath.logNormalTail((silence - mean) / deviation) / HeartbeatMath.ln10
        case .loss:
            return -lossModel.logSurvival(silence: silence) / HeartbeatMath.ln10
        }
    }

    /// The `loss` detector's view of the link: the sender's observed period, bursts per arrival and their mean
    /// length (what `HeartbeatQoS` derives thresholds from).
    public var link: HeartbeatLink {
        HeartbeatLink(
            period: .nanoseconds(Int64(lossModel.period.rounded())),
            burstRate: lossModel.burstRate,
            meanBurstLength: lossModel.meanBurstLength,
            samples: lossModel.samples
        )
    }

    /// The level after `silence` counted from where silence now starts (the latest arrival, or an excused stall).
    public func level(afterSilence silence: Duration) -> Double {
        level(at: silenceOrigin + silence)
    }

    /// The silence, counted as in `level(afterSilence:)`, after which the level reaches `threshold`; nil if never.
    public func silence(whenLevelReaches threshold: Double) -> Duration? {
        instant(whenLevelReaches: threshold).map { $0 - silenceOrigin }
    }

    /// The first instant, with no further arrivals, at which `level(at:)` reaches `threshold`: the level there is
    /// at least `threshold` and below it a nanosecond earlier (unless that is before the silence began). Nil when it never does (a non-finite threshold, or one centuries away).
    public func instant(whenLevelReaches threshold: Double) -> MonotonicInstant? {
        guard threshold.isFinite else { return nil }
        let silence: Double
        if lastArrival == nil {
            silence = nanoseconds(config.firstHeartbeatGrace) + max(0, threshold) * interval
        } else {
            switch config.detector {
            case .fixed:
                silence = threshold * interval
            case .chen:
                silence = chenDelay + threshold * interval
            case .phi:
                let (mean, deviation) = phiParameters
                let z = HeartbeatMath.normalTailQuantile(logTail: -threshold * HeartbeatMath.ln10)
                silence = mean + z * deviation
            case .loss:
                // No closed form: start from the silence of a burst as long as the threshold in decades, and let
                // `settle` search from there.
                silence = interval * (1 + max(0, threshold))
            }
        }
        // Beyond about 290 years, a nanosecond count no longer fits: never.
        guard silence < 9e18 else { return nil }
        guard silence > 0 else { return silenceOrigin }
        return settle(silenceOrigin + .nanoseconds(Int64(silence.rounded(.up))), threshold: threshold)
    }

    /// Corrects the analytic answer for rounding: moves it to the first nanosecond where the level is reached.
    private func settle(_ guess: MonotonicInstant, threshold target: Double) -> MonotonicInstant {
        var reached = guess
        var step: Int64 = 1
        while level(at: reached) < target {
            reached = reached + .nanoseconds(step)
            step *= 2
        }
        var below = reached - .nanoseconds(1)
        step = 1
        while below > silenceOrigin, level(at: below) >= target {
            reached = below
            below = below - .nanoseconds(step)
            step *= 2
        }
        // Bisect between a point below and one at or above the target.
        var low = max(below, silenceOrigin).nanoseconds
        var high = reached.nanoseconds
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if level(at: MonotonicInstant(nanoseconds: middle)) >= target { high = middle } else { low = middle }
        }
        return MonotonicInstant(nanoseconds: high)
    }

    /// Chen's expected arrival, as silence after the origin, in nanoseconds.
    private var chenDelay: Double {
        guard let last = lastArrival, let expected = chen.expectedArrival(intervalNanoseconds: intervalNanoseconds)
        else { return interval }
        // Silence is measured from the origin, so an excused stall moves the expectation forward with it.
        return Double((expected - last).nanoseconds)
    }

    /// φ's mean (with `acceptablePause`) and floored standard deviation, in nanoseconds. With no sample yet it uses the
    /// nominal interval and a quarter of it, as Akka seeds its history.
    private var phiParameters: (mean: Double, deviation: Double) {
        let floor = nanoseconds(config.minStandardDeviation)
        let pause = nanoseconds(config.acceptablePause)
        guard let mean = intervals.mean, let deviation = intervals.standardDeviation else {
            return (interval + pause, max(floor, interval / 4, 1))
        }
        return (mean + pause, max(floor, deviation, 1))
    }

    private func nanoseconds(_ duration: Duration) -> Double {
        Double(duration.nanoseconds)
    }
}
