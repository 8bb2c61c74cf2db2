/// A latency histogram with fixed buckets, as Prometheus exposes one: a count per bucket, the sum and the count
/// of every observation.
///
/// Observing is O(1) and the memory is fixed when the histogram is made, so the engine can record every detection
/// and every loop iteration without a second thought. Counts are kept per bucket (not cumulative); the renderer
/// accumulates them, which keeps `observe` to one increment.
public struct Histogram: Sendable, Equatable {
    /// The buckets every latency histogram of Vigil uses, in seconds: 50 µs to 10 s.
    ///
    /// The low end resolves what a pidfd wake-up costs (tens of microseconds); the high end covers a heartbeat
    /// conviction after seconds of silence and a slow restart. Fixed, so every scrape and every target agree.
    public static let latencyBounds: [Double] = [
        0.000_05, 0.000_1, 0.000_25, 0.000_5,
        0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
        1, 2.5, 5, 10,
    ]

    /// The upper bound (inclusive, `le`) of each finite bucket, strictly increasing.
    public let upperBounds: [Double]
    /// Observations per bucket, not cumulative: `bucketCounts[i]` counts values in `(upperBounds[i-1],
    /// upperBounds[i]]`, and the last element counts those above every bound (the `+Inf` bucket).
    public private(set) var bucketCounts: [UInt64]
    /// The sum of every observation, in seconds.
    public private(set) var sum: Double = 0
    /// How many observations there were.
    public private(set) var count: UInt64 = 0

    /// An empty histogram.
    /// - Parameter upperBounds: Finite, strictly increasing bucket bounds; `+Inf` is implied.
    public init(upperBounds: [Double] = Histogram.latencyBounds) {
        precondition(
            upperBounds.allSatisfy(\.isFinite) && zip(upperBounds, upperBounds.dropFirst()).allSatisfy { $0 < $1 },
            "histogram bounds must be finite and strictly increasing"
        )
        self.upperBounds = upperBounds
        self.bucketCounts = Array(repeating: 0, count: upperBounds.count + 1)
    }

    /// Records one observation.
    ///
    /// A negative value (clock trouble, never a real latency) counts as 0 so it cannot lower the sum; NaN is
    /// ignored, because it would make the sum NaN for the life of the daemon.
    /// - Parameter seconds: The latency, in seconds.
    public mutating func observe(_ seconds: Double) {
        guard !seconds.isNaN else { return }
        let value = max(seconds, 0)
        bucketCounts[bucketIndex(of: value)] += 1
        sum += value
        count += 1
    }

    /// Records one observation of a `Duration`.
    /// - Parameter duration: The latency.
    public mutating func observe(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        observe(Double(seconds) + Double(attoseconds) * 1e-18)
    }

    /// The cumulative count of each bucket as Prometheus exposes it (`_bucket{le=…}`), ending with the `+Inf`
    /// bucket, which equals `count`.
    public var cumulativeCounts: [UInt64] {
        var running: UInt64 = 0
        return bucketCounts.map { count in
            running += count
            return running
        }
    }

    /// The index of the first bucket whose bound is at least `value`: a binary search over the fixed bounds.
    private func bucketIndex(of value: Double) -> Int {
        var low = 0
        var high = upperBounds.count
        while low < high {
            let middle = (low + high) / 2
            if upperBounds[middle] < value {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low
    }
}
