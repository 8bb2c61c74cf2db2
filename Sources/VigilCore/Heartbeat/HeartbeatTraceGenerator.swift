/// Makes synthetic heartbeat traces, reproducibly from a seed: a periodic sender, a network that delays and loses
/// datagrams, sender pauses and a crash.
///
/// The sender means to send at `interval`, `2·interval`, … Each heartbeat is sent unless the sender is paused or has
/// crashed, is lost with the configured probabilities, and otherwise arrives at its send time plus a delay: Gaussian
/// jitter (N(0, σ), so arrivals stay centred on the schedule and inter-arrival times have deviation σ·√2) plus an
/// optional heavy-tailed extra delay and rare delay spikes. A drifting link scales jitter and loss slowly up and
/// down over the trace. Arrivals are sorted, as a receiver sees them; each carries the sequence number the sender
/// gave it (its count of sent heartbeats), as the wire format does.
///
/// Spikes and drift draw from a second random stream, so traces made without them are the same as before they
/// existed.
///
/// A clock step of the sender changes the timestamps it writes into its heartbeats, never when they arrive: the
/// detectors judge local arrival times on vigild's monotonic clock, so a step is invisible to them. The generator
/// takes steps so that this stays demonstrably true (`sent` carries the sender's stepped clock).
public struct HeartbeatTraceGenerator: Sendable {
    /// A heavy-tailed extra delay added to every arrival, in seconds.
    public enum HeavyTail: Sendable, Equatable {
        /// Pareto with minimum `scale` and tail index `shape`, shifted to start at 0 (mean scale/(shape − 1)).
        case pareto(scale: Double, shape: Double)
        /// exp(N(mu, sigma)).
        case logNormal(mu: Double, sigma: Double)
    }

    /// Gilbert–Elliott bursty loss: a two-state Markov chain stepped once per heartbeat.
    public struct BurstLoss: Sendable, Equatable {
        /// P(good → bad) per heartbeat.
        public var enterBad: Double
        /// P(bad → good) per heartbeat; 1/leaveBad is the mean burst length.
        public var leaveBad: Double
        public var lossInGood: Double
        public var lossInBad: Double

        public init(enterBad: Double, leaveBad: Double, lossInGood: Double = 0, lossInBad: Double = 1) {
            self.enterBad = enterBad
            self.leaveBad = leaveBad
            self.lossInGood = lossInGood
            self.lossInBad = lossInBad
        }
    }

    /// Rare delay spikes: with `probability` per heartbeat, an extra delay uniform in `minimum...maximum` seconds
    /// (a relay's queue filling, a route flap, a host busy for a moment).
    public struct DelaySpikes: Sendable, Equatable {
        public var probability: Double
        public var minimum: Double
        public var maximum: Double

        public init(probability: Double, minimum: Double, maximum: Double) {
            self.probability = probability
            self.minimum = minimum
            self.maximum = max(minimum, maximum)
        }
    }

    /// A slowly changing link: jitter, spikes and every loss probability are multiplied by a factor that moves
    /// linearly from 1 up to `peak` and back over each `period` seconds (a triangle wave), so the link is at its
    /// best at 0, `period`, `2·period`, … and at its worst half-way between.
    public struct Drift: Sendable, Equatable {
        public var period: Double
        public var peak: Double

        public init(period: Double, peak: Double) {
            self.period = period
            self.peak = peak
        }

        /// The factor at `time`: 1 at the start of each period, `peak` half-way through.
        public func factor(at time: Double) -> Double {
            guard period > 0 else { return 1 }
            let phase = time / period - (time / period).rounded(.down)
            let triangle = phase < 0.5 ? 2 * phase : 2 * (1 - phase)
            return 1 + (peak - 1) * triangle
        }
    }

    /// The sender stops sending from `start` for `length` seconds (a GC pause), sends once when it resumes, then
    /// keeps its schedule.
    public struct Pause: Sendable, Equatable {
        public var start: Double
        public var length: Double

        public init(start: Double, length: Double) {
            self.start = start
            self.length = length
        }
    }

    /// The sender's wall clock jumps by `by` seconds at `at` (NTP step, manual date change).
    public struct ClockStep: Sendable, Equatable {
        public var at: Double
        public var by: Double

        public init(at: Double, by: Double) {
            self.at = at
            self.by = by
        }
    }

    /// One generated heartbeat.
    public struct Heartbeat: Sendable, Equatable {
        /// The timestamp the sender wrote, on its own (stepped) clock.
        public var sent: Double
        /// When vigild received it, on vigild's monotonic clock.
        public var arrival: Double
        /// The sender's sequence number: 1 for the first heartbeat it sent, counting lost ones.
        public var sequence: UInt64
    }

    public var interval: Double
    /// Seconds of trace, from 0.
    public var duration: Double
    /// σ of the Gaussian arrival jitter, in seconds.
    public var jitter: Double = 0
    public var heavyTail: HeavyTail?
    /// Independent loss probability per heartbeat.
    public var loss: Double = 0
    public var burstLoss: BurstLoss?
    public var delaySpikes: DelaySpikes?
    public var drift: Drift?
    public var pauses: [Pause] = []
    public var clockSteps: [ClockStep] = []
    /// The sender sends nothing from here on.
    public var crash: Double?
    public var seed: UInt64

    public init(interval: Double, duration: Double, seed: UInt64) {
        self.interval = interval
        self.duration = duration
        self.seed = seed
    }

    /// The trace the receiver sees.
    public func trace() -> HeartbeatTrace {
        let heartbeats = heartbeats()
        return HeartbeatTrace(
            interval: interval,
            arrivals: heartbeats.map(\.arrival),
            crash: crash,
            sequences: heartbeats.map(\.sequence)
        )
    }

    /// Every heartbeat that arrives, in arrival order.
    public func heartbeats() -> [Heartbeat] {
        var random = SplitMix64(seed: seed)
        var extra = SplitMix64(seed: seed ^ 0x9E37_79B9_7F4A_7C15)
        var bad = false
        var result: [Heartbeat] = []
        let end = min(duration, crash ?? duration)
        for (index, sent) in sendTimes(until: end).enumerated() {
            // Every random draw happens for every heartbeat, so one option does not shift another's randomness.
            let independent = random.nextUnit()
            let burst = random.nextUnit()
            let transition = random.nextUnit()
            let gaussian = Self.gaussian(&random)
            let tail = random.nextUnit()
            let spike = extra.nextUnit()
            let spikeLength = extra.nextUnit()
            let scale = drift?.factor(at: sent) ?? 1
            var lost = independent < loss * scale
            if let burstLoss {
                lost = lost || burst < min(1, (bad ? burstLoss.lossInBad : burstLoss.lossInGood * scale))
                bad = bad ? transition >= burstLoss.leaveBad : transition < burstLoss.enterBad * scale
            }
            guard !lost else { continue }
            var delay = gaussian * jitter * scale
            if let delaySpikes, spike < delaySpikes.probability * scale {
                delay += delaySpikes.minimum + (delaySpikes.maximum - delaySpikes.minimum) * spikeLength
            }
            switch heavyTail {
            case .pareto(let scale, let shape):
                // Inverse CDF: scale·U^(−1/shape), with U in (0, 1].
                delay += scale * HeartbeatMath.exp(-HeartbeatMath.log(1 - tail) / shape) - scale
            case .logNormal(let mu, let sigma):
                delay += HeartbeatMath.exp(mu + sigma * Self.probit(tail))
            case nil:
                break
            }
            let stamp = sent + clockSteps.filter { sent >= $0.at }.reduce(0) { $0 + $1.by }
            result.append(Heartbeat(sent: stamp, arrival: max(0, sent + delay), sequence: UInt64(index + 1)))
        }
        result.sort { $0.arrival < $1.arrival }
        return result
    }

    /// The sender's schedule, with pauses applied, before `end`.
    private func sendTimes(until end: Double) -> [Double] {
        var times: [Double] = []
        var k = 1.0
        var resumedAt = -Double.infinity
        while k * interval < end {
            let due = k * interval
            k += 1
            if let pause = pauses.first(where: { due >= $0.start && due < $0.start + $0.length }) {
                let resume = pause.start + pause.length
                if resume < end, resume != resumedAt {
                    times.append(resume)
                    resumedAt = resume
                }
                continue
            }
            // The send on resuming may fall on a scheduled instant: one heartbeat, not two.
            if times.last.map({ due > $0 }) ?? true {
                times.append(due)
            }
        }
        return times
    }

    /// A standard normal draw (Marsaglia's polar method).
    static func gaussian(_ random: inout SplitMix64) -> Double {
        while true {
            let u = 2 * random.nextUnit() - 1
            let v = 2 * random.nextUnit() - 1
            let s = u * u + v * v
            if s > 0, s < 1 {
                return u * (-2 * HeartbeatMath.log(s) / s).squareRoot()
            }
        }
    }

    /// The standard normal quantile of `p` in [0, 1).
    private static func probit(_ p: Double) -> Double {
        let clamped = min(max(p, 1e-300), 1 - 1e-16)
        return HeartbeatMath.normalTailQuantile(logTail: HeartbeatMath.log(1 - clamped))
    }
}
