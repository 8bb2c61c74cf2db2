/// Chen, Toueg and Aguilera's estimate of the next arrival: EA₍ₗ₊₁₎ = (1/n)·Σ(Aᵢ − i·Δ) + (l + 1)·Δ over the last n
/// arrivals, kept in O(1) per arrival as a sliding sum of the offsets Aᵢ − i·Δ.
///
/// The paper numbers heartbeats with the sender's sequence numbers. vigild only sees arrival times, so the index of
/// an arrival is inferred: it advances by the number of nominal intervals the gap spans, rounded, at least one. A lost
/// heartbeat therefore does not make every later estimate early by one interval, as counting arrivals would.
struct ChenEstimator: Sendable, Equatable {
    private var offsets: SlidingWindow
    /// A₀, the first arrival: offsets are taken from it so that they stay small.
    private var base: MonotonicInstant?
    /// The inferred index of the latest sampled arrival.
    private var index: Int64 = 0
    private var latest: MonotonicInstant?

    init(window: Int) {
        offsets = SlidingWindow(capacity: window)
    }

    var samples: Int {
        offsets.count
    }

    /// Records an arrival `intervalNanoseconds` apart from the previous one, nominally.
    mutating func record(_ arrival: MonotonicInstant, intervalNanoseconds delta: Int64) {
        guard let base, let latest else {
            self.base = arrival
            self.latest = arrival
            index = 0
            offsets.append(0)
            return
        }
        let gap = (arrival - latest).nanoseconds
        index += max(1, (gap + delta / 2) / delta)
        self.latest = arrival
        offsets.append((arrival - base).nanoseconds - index * delta)
    }

    /// EA₍ₗ₊₁₎; nil before the first arrival.
    func expectedArrival(intervalNanoseconds delta: Int64) -> MonotonicInstant? {
        guard let base, let mean = offsets.mean else { return nil }
        return base + .nanoseconds(Int64(mean.rounded()) + (index + 1) * delta)
    }
}
