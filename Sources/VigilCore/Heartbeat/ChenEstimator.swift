/// Chen, Toueg and Aguilera's estimate of the next arrival: EA₍ₗ₊₁₎ = (1/n)·Σ(Aᵢ − i·Δ) + (l + 1)·Δ over the last n
/// arrivals, kept in O(1) per arrival as a sliding sum of the offsets Aᵢ − i·Δ.
///
/// The paper numbers heartbeats with the sender's sequence numbers. vigild only sees arrival times, so the index of
/// an arrival is inferred: the sending slot nearest to it given the current estimate of the phase (the mean offset),
/// never before the previous arrival's. A lost heartbeat therefore does not make every later estimate early by one
/// interval, as counting arrivals would; and unlike rounding each gap, a wrong guess under heavy jitter does not
/// accumulate, because the next arrival is placed against the phase again. It assumes the sender keeps its nominal
/// period (sleeps to absolute deadlines), as the paper assumes clocks that run at the same rate.
struct ChenEstimator: Sendable, Equatable {
    private var offsets: SlidingWindow
    /// A₀, the first arrival: offsets are taken from it so that they stay small.
    private var base: MonotonicInstant?
    /// The inferred index of the latest sampled arrival.
    private var index: Int64 = 0

    init(window: Int) {
        offsets = SlidingWindow(capacity: window)
    }

    var samples: Int {
        offsets.count
    }

    /// Records an arrival; `delta` is the nominal interval in nanoseconds.
    mutating func record(_ arrival: MonotonicInstant, intervalNanoseconds delta: Int64) {
        guard let base else {
            self.base = arrival
            index = 0
            offsets.append(0)
            return
        }
        let phase = Double((arrival - base).nanoseconds) - (offsets.mean ?? 0)
        index = max(index, Int64((phase / Double(delta)).rounded()))
        offsets.append((arrival - base).nanoseconds - index * delta)
    }

    /// EA₍ₗ₊₁₎; nil before the first arrival.
    func expectedArrival(intervalNanoseconds delta: Int64) -> MonotonicInstant? {
        guard let base, let mean = offsets.mean else { return nil }
        return base + .nanoseconds(Int64(mean.rounded()) + (index + 1) * delta)
    }
}
