/// What the `loss` detector knows about a live sender's link: how often heartbeats are lost, in bursts of what
/// length, and how late a heartbeat can be beyond its slot. From these it answers the probability that a live
/// sender leaves a silence of a given length.
///
/// Heartbeats carry sequence numbers, so a gap of `k` between consecutive sequences is exactly `k − 1` heartbeats
/// lost in a row: one burst. The next arrival after the latest one is then the heartbeat `G + 1` slots later, `G`
/// being the length of the burst that follows (0 most of the time), and it comes `(G + 1)·P + R` after the latest
/// one, with `P` the sender's observed period and `R` the residual: how much later than its slot this heartbeat is
/// than the latest one was (the difference of two network delays). Taking `G` and `R` as independent,
///
///     P(silence ≥ t | alive) = Σ_g P(G = g) · P(R ≥ t − (g + 1)·P)
///
/// - `G`: a burst starts after an arrival with probability `b` (bursts per arrival over the last 64 bursts, none
///   older than ten windows of arrivals, so that a link that got better is believed within that time); its
///   length is geometric with the observed mean `m` (what a Gilbert–Elliott channel produces; independent loss is
///   the case `m ≈ 1`). Priors (one burst of three in a hundred arrivals) keep a new detector from believing that
///   nothing is ever lost: on a lossy link they wash out within minutes, but a link that never loses anything leaves
///   the burst length at its prior, so the detector stays cautious there (one in 1/b heartbeats could still start
///   a burst it has no evidence against). That caution is the price of not convicting on the first long burst.
/// - `R`: the empirical distribution over the window, with an exponential tail fitted above its 90th percentile
///   (peaks over a threshold), its scale floored at `minStandardDeviation` so that a very regular sender is not
///   taken for one that can never be late.
///
/// Without sequence numbers (a trace that lacks them, sd_notify pings) the number of slots between two arrivals is
/// inferred from the time between them, rounded to whole periods.
struct LossBurstModel: Sendable {
    /// Bursts remembered; the burst rate is measured over the arrivals since the oldest of them.
    static let burstMemory = 64
    private static let priorBursts = 1.0
    private static let priorArrivals = 100.0
    private static let priorBurstLength = 3.0
    /// Residual samples needed before their distribution is trusted over the prior.
    private static let minimumResiduals = 10

    private let interval: Double
    private let floor: Double
    private let window: Int
    /// Arrivals after which a burst is forgotten: ten windows.
    private let horizon: Int
    private var lastArrival: Int64?
    private var lastSequence: UInt64?
    /// Inter-arrival times and the sequence steps they spanned: their ratio is the sender's period.
    private var gaps: SlidingWindow
    private var steps: SlidingWindow
    /// Residuals in arrival order (a ring) and sorted.
    private var residuals: [Double] = []
    private var residualHead = 0
    private var sorted: [Double] = []
    /// The last bursts: at which arrival, how many heartbeats lost.
    private var bursts: [(arrival: Int, lost: Int)] = []
    /// Heartbeats lost in the remembered bursts.
    private var lostInMemory = 0
    /// The sequences taken for lost in the latest burst: a late one among them was only delayed.
    private var latestBurst: ClosedRange<UInt64>?
    /// Inter-arrival samples taken.
    private(set) var samples = 0
    private var tail = Tail(threshold: 0, probability: 1, scale: 1, minimum: 0)
    /// The logarithms `logSurvival` needs, kept with the statistics they come from.
    private var odds = Odds()

    private struct Odds: Sendable {
        /// log b, log q, log(1 − b) (no burst), log(b·(1 − q)) (a burst of exactly one).
        var logB = 0.0
        var logQ = 0.0
        var logStay = 0.0
        var logBurstStart = 0.0
        var logTailProbability = 0.0
    }

    /// The residual's tail above `threshold`: P(R ≥ x) = probability · e^(−(x − threshold)/scale).
    private struct Tail: Sendable {
        var threshold: Double
        var probability: Double
        var scale: Double
        var minimum: Double
    }

    /// - Parameters:
    ///   - interval: the nominal interval, nanoseconds.
    ///   - floor: the least scale of the delay tail, nanoseconds.
    ///   - window: residual samples kept.
    init(interval: Double, floor: Double, window: Int) {
        self.interval = interval
        self.floor = max(1, floor)
        self.window = max(2, window)
        self.horizon = 10 * max(2, window)
        gaps = SlidingWindow(capacity: window)
        steps = SlidingWindow(capacity: window)
        tail = priorTail
        refresh()
    }

    /// Recomputes `odds` after the statistics changed.
    private mutating func refresh() {
        let b = min(burstRate, 0.999)
        let q = 1 - 1 / max(meanBurstLength, 1 + 1e-9)
        odds = Odds(
            logB: HeartbeatMath.log(b),
            logQ: HeartbeatMath.log(q),
            logStay: HeartbeatMath.log(1 - b),
            logBurstStart: HeartbeatMath.log(b * (1 - q)),
            logTailProbability: HeartbeatMath.log(tail.probability)
        )
    }

    /// The sender's period in nanoseconds as observed (the nominal interval until there are samples).
    var period: Double {
        guard steps.sum > 0 else { return interval }
        return Double(gaps.sum) / Double(steps.sum)
    }

    /// Bursts per arrival.
    var burstRate: Double {
        let span = bursts.count < Self.burstMemory ? min(samples, horizon) : samples - bursts[0].arrival
        return (Double(bursts.count) + Self.priorBursts) / (Double(max(0, span)) + Self.priorArrivals)
    }

    /// The mean number of heartbeats lost in a burst (at least 1).
    var meanBurstLength: Double {
        (Double(lostInMemory) + Self.priorBursts * Self.priorBurstLength) / (Double(bursts.count) + Self.priorBursts)
    }

    /// Records a heartbeat.
    /// - Parameters:
    ///   - arrival: when it arrived, nanoseconds.
    ///   - sequence: its sequence number, if known.
    ///   - sample: false for a backlog read after vigild stalled: it updates the position, not the statistics.
    mutating func record(arrival: Int64, sequence: UInt64?, sample: Bool) {
        defer { lastArrival = max(lastArrival ?? arrival, arrival) }
        guard let previous = lastArrival else {
            lastSequence = sequence
            return
        }
        let gap = Double(arrival - previous)
        var slots: Int64
        if let sequence, let last = lastSequence {
            guard sequence > last else {
                // Reordered (an older heartbeat arriving late) proves life but is no sample; a sequence far
                // behind is a sender that restarted its numbering.
                if sequence + ReplayWindow.width < last {
                    lastSequence = sequence
                } else if let burst = latestBurst, burst.contains(sequence) {
                    forgiveOneLoss()
                }
                return
            }
            slots = Int64(min(sequence - last, 1_000_000))
            lastSequence = sequence
        } else {
            lastSequence = sequence
            slots = Int64(max(1, (gap / period).rounded()))
        }
        guard sample, slots > 0 else { return }
        let residual = gap - Double(slots) * period
        gaps.append(arrival - previous)
        steps.append(slots)
        samples += 1
        forgetOldBursts()
        latestBurst = nil
        if slots > 1 {
            remember(burstOf: Int(slots - 1))
            if let sequence { latestBurst = (sequence - UInt64(slots - 1))...(sequence - 1) }
        }
        insert(residual)
        tail = fittedTail
        refresh()
    }

    /// The sender restarted: its next heartbeat starts a new count; the statistics stay.
    mutating func forgetPosition() {
        lastArrival = nil
        lastSequence = nil
    }

    /// log P(silence ≥ t | alive), t in nanoseconds since the latest arrival.
    func logSurvival(silence t: Double) -> Double {
        guard t > 0 else { return 0 }
        let p = period
        let (logB, logQ, logStay, logBurstStart) = (odds.logB, odds.logQ, odds.logStay, odds.logBurstStart)
        // Slots g ≥ gC: the residual needed is below any seen, so the probability is that of a burst ≥ g.
        let gC = max(0, Int64(min((t - tail.minimum) / p, 1e15).rounded(.down)))
        // Slots g < gB: the residual needed is in the fitted tail.
        let gB = min(gC, max(0, Int64(min((t - tail.threshold) / p, 1e15).rounded(.down))))
        var sum = LogSum()
        sum.add(gC == 0 ? 0 : logB + Double(gC - 1) * logQ)
        for g in gB..<gC {
            let logBurst = g == 0 ? logStay : logBurstStart + Double(g - 1) * logQ
            sum.add(logBurst + HeartbeatMath.log(empiricalSurvival(t - Double(g + 1) * p)))
        }
        if gB > 0 {
            let logTailAt = { (x: Double) in odds.logTailProbability - (x - tail.threshold) / tail.scale }
            sum.add(logStay + logTailAt(t - p))
            if gB > 1 {
                let first = logBurstStart + logTailAt(t - 2 * p)
                sum.add(Self.logGeometricSum(first: first, ratio: logQ + p / tail.scale, count: gB - 1))
            }
        }
        return min(0, sum.value)
    }

    /// A running log Σ eˣ that never overflows.
    private struct LogSum {
        private var top = -Double.infinity
        private var scaled = 0.0

        mutating func add(_ x: Double) {
            guard x > -.infinity else { return }
            if x <= top {
                scaled += HeartbeatMath.exp(x - top)
            } else {
                scaled = scaled * HeartbeatMath.exp(top - x) + 1
                top = x
            }
        }

        var value: Double {
            top == -.infinity ? -.infinity : top + HeartbeatMath.log(scaled)
        }
    }

    /// The fraction of residuals at or above `x`, for `x` below the tail's threshold.
    private func empiricalSurvival(_ x: Double) -> Double {
        guard sorted.count >= Self.minimumResiduals else {
            return x <= 0 ? 1 : HeartbeatMath.exp(-x / tail.scale)
        }
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < x { low = middle + 1 } else { high = middle }
        }
        return max(tail.probability, Double(sorted.count - low) / Double(sorted.count))
    }

    private var priorTail: Tail {
        Tail(threshold: 0, probability: 1, scale: max(floor, interval / 4), minimum: 0)
    }

    private var fittedTail: Tail {
        guard sorted.count >= Self.minimumResiduals else { return priorTail }
        let index = Int((0.9 * Double(sorted.count - 1)).rounded(.down))
        let threshold = sorted[index]
        let above = sorted[(index + 1)...]
        let excess = above.reduce(0) { $0 + ($1 - threshold) } / Double(max(1, above.count))
        return Tail(
            threshold: threshold,
            probability: Double(max(1, above.count)) / Double(sorted.count),
            scale: max(floor, excess),
            minimum: sorted[0]
        )
    }

    /// A heartbeat counted lost in the latest burst arrived after all (overtaken by a later one): one loss fewer.
    private mutating func forgiveOneLoss() {
        guard let newest = bursts.indices.last, bursts[newest].lost > 0 else { return }
        bursts[newest].lost -= 1
        lostInMemory -= 1
        if bursts[newest].lost == 0 {
            bursts.removeLast()
        }
        refresh()
    }

    private mutating func remember(burstOf lost: Int) {
        lostInMemory += lost
        bursts.append((samples, lost))
        if bursts.count > Self.burstMemory {
            lostInMemory -= bursts.removeFirst().lost
        }
    }

    /// Drops the bursts older than `horizon` arrivals: a link that got better is believed within that time.
    private mutating func forgetOldBursts() {
        while let oldest = bursts.first, samples - oldest.arrival > horizon {
            lostInMemory -= oldest.lost
            bursts.removeFirst()
        }
    }

    private mutating func insert(_ residual: Double) {
        if residuals.count < window {
            residuals.append(residual)
        } else {
            let old = residuals[residualHead]
            residuals[residualHead] = residual
            residualHead = (residualHead + 1) % window
            if let at = position(of: old) { sorted.remove(at: at) }
        }
        sorted.insert(residual, at: lowerBound(residual))
    }

    private func lowerBound(_ value: Double) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private func position(of value: Double) -> Int? {
        let at = lowerBound(value)
        return at < sorted.count && sorted[at] == value ? at : nil
    }

    /// log Σ_{j<count} e^(first + j·ratio).
    static func logGeometricSum(first: Double, ratio: Double, count: Int64) -> Double {
        guard count > 0 else { return -.infinity }
        let n = Double(count)
        if abs(ratio) < 1e-12 { return first + HeartbeatMath.log(n) }
        if ratio < 0 {
            return first + HeartbeatMath.log(1 - HeartbeatMath.exp(n * ratio))
                - HeartbeatMath.log(1 - HeartbeatMath.exp(ratio))
        }
        return first + (n - 1) * ratio + HeartbeatMath.log(1 - HeartbeatMath.exp(-n * ratio))
            - HeartbeatMath.log(1 - HeartbeatMath.exp(-ratio))
    }

}

/// What the `loss` detector has learnt about a target's link, for events and the quality-of-service derivation.
public struct HeartbeatLink: Sendable, Equatable {
    /// The sender's period as observed: inter-arrival time per sequence step.
    public var period: Duration
    /// Bursts of loss per heartbeat received.
    public var burstRate: Double
    /// Heartbeats lost per burst, on average (at least 1).
    public var meanBurstLength: Double
    /// Inter-arrival samples behind the figures.
    public var samples: Int
}
