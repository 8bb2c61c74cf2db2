/// One threshold's QoS across several traces (seeds): what the sweep prints.
public struct DetectorSummary: Sendable, Equatable {
    public var threshold: Double
    /// The per-trace results summarised.
    public var runs: [DetectorQoS]

    public init(runs: [DetectorQoS], threshold: Double) {
        self.threshold = threshold
        self.runs = runs
    }

    /// Detection times of the traces that have a crash, ascending, in seconds.
    public var detectionTimes: [Double] {
        runs.compactMap(\.detectionTime).sorted()
    }

    /// The median detection time (the lower middle for an even count); nil without crashes.
    public var medianDetectionTime: Double? {
        percentile(0.5)
    }

    /// A nearest-rank percentile of the detection times, `fraction` in 0...1.
    public func percentile(_ fraction: Double) -> Double? {
        let times = detectionTimes
        guard !times.isEmpty else { return nil }
        let rank = Int((fraction * Double(times.count)).rounded(.up))
        return times[min(max(rank, 1), times.count) - 1]
    }

    /// False convictions over all traces.
    public var falseConvictions: Int {
        runs.reduce(0) { $0 + $1.falseConvictions }
    }

    /// Observed up-time over all traces, in seconds.
    public var observed: Double {
        runs.reduce(0) { $0 + $1.observed }
    }

    /// False convictions per hour of observed up-time, all traces pooled.
    public var mistakesPerHour: Double {
        observed > 0 ? Double(falseConvictions) * 3600 / observed : 0
    }

    /// T_MR pooled: observed up-time per mistake, in seconds; nil without mistakes.
    public var mistakeRecurrence: Double? {
        falseConvictions > 0 ? observed / Double(falseConvictions) : nil
    }

    /// T_M pooled: the mean mistake duration, in seconds; nil without mistakes.
    public var mistakeDuration: Double? {
        let total = runs.reduce(0.0) { $0 + ($1.mistakeDuration ?? 0) * Double($1.falseConvictions) }
        return falseConvictions > 0 ? total / Double(falseConvictions) : nil
    }

    /// P_A pooled, weighted by observed time.
    public var queryAccuracy: Double {
        guard observed > 0 else { return 1 }
        return runs.reduce(0.0) { $0 + $1.queryAccuracy * $1.observed } / observed
    }
}
