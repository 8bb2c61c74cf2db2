/// One round of readings of a target's or the host's metrics: a reading per metric, or why there is none.
public struct MetricSamples: Sendable, Equatable {
    public var readings: [HealthMetric: MetricReading] = [:]
    /// Metrics that could not be read this round, with the reason (a kernel without PSI, a vanished cgroup, a
    /// first round where a rate has no earlier reading to compare with).
    public var missing: [HealthMetric: String] = [:]

    public init(readings: [HealthMetric: MetricReading] = [:], missing: [HealthMetric: String] = [:]) {
        self.readings = readings
        self.missing = missing
    }

    public subscript(metric: HealthMetric) -> MetricReading? {
        get { readings[metric] }
        set { readings[metric] = newValue }
    }
}
