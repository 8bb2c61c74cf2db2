/// One configured check: a metric compared with a bound, which must hold for a duration before it counts, and
/// must stop holding for a duration before it clears.
///
/// Written in the configuration as `{ when = "memory.psi.full.avg10 > 20 for 30s", severity = "fault" }`.
public struct HealthCheck: Sendable, Equatable, CustomStringConvertible {
    /// What a check that holds does.
    public enum Severity: String, Sendable, Equatable, CaseIterable {
        /// An event and nothing else.
        case warn
        /// An event, and the target's recovery (a host fault: an event, `STATUS=`, and a verdict for failover).
        case fault
    }

    /// How the metric is compared with the bound.
    public enum Comparison: String, Sendable, Equatable, CaseIterable {
        case greater = ">"
        case greaterOrEqual = ">="
        case less = "<"
        case lessOrEqual = "<="
        case equal = "=="
        case notEqual = "!="

        func holds(_ value: Double, _ bound: Double) -> Bool {
            switch self {
            case .greater: value > bound
            case .greaterOrEqual: value >= bound
            case .less: value < bound
            case .lessOrEqual: value <= bound
            case .equal: value == bound
            case .notEqual: value != bound
            }
        }
    }

    /// The bound: a plain number (in the metric's own unit) or a percentage of the metric's total.
    public enum Bound: Sendable, Equatable, CustomStringConvertible {
        case value(Double)
        case percentOfTotal(Double)

        public var description: String {
            switch self {
            case .value(let value): HealthCheck.format(value)
            case .percentOfTotal(let percent): HealthCheck.format(percent) + "%"
            }
        }
    }

    public var metric: HealthMetric
    public var comparison: Comparison
    public var bound: Bound
    /// How long the bound must hold, reading after reading, before the check is raised.
    public var holdFor: Duration
    /// How long the bound must stop holding before a raised check clears.
    public var clearAfter: Duration
    public var severity: Severity
    /// The `when` text as written, for events.
    public var text: String

    public init(
        metric: HealthMetric,
        comparison: Comparison,
        bound: Bound,
        holdFor: Duration,
        clearAfter: Duration? = nil,
        severity: Severity = .warn,
        text: String? = nil
    ) {
        self.metric = metric
        self.comparison = comparison
        self.bound = bound
        self.holdFor = holdFor
        self.clearAfter = clearAfter ?? holdFor
        self.severity = severity
        self.text = text ?? "\(metric) \(comparison.rawValue) \(bound) for \(holdFor.humanReadable)"
    }

    public var description: String { text }

    /// Whether a reading breaks the bound; `nil` when the bound needs a total the reading does not have (a
    /// percentage of a cgroup's limit when it has none).
    public func holds(for reading: MetricReading) -> Bool? {
        switch bound {
        case .value(let bound):
            return comparison.holds(reading.value, bound)
        case .percentOfTotal(let percent):
            if metric.definition?.unit == .percent {
                return comparison.holds(reading.value, percent)
            }
            guard let total = reading.total, total > 0 else { return nil }
            return comparison.holds(reading.value / total * 100, percent)
        }
    }

    /// A number without a needless `.0`.
    public static func format(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 {
            return String(Int64(value))
        }
        return String(value)
    }
}

/// One reading of a metric: the value, and the total a percentage is taken of, where there is one.
public struct MetricReading: Sendable, Equatable {
    public var value: Double
    public var total: Double?

    public init(_ value: Double, total: Double? = nil) {
        self.value = value
        self.total = total
    }
}
