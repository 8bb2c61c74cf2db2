/// Judges one check over successive readings, with hysteresis: the bound must hold on every reading for
/// `holdFor` before the check is raised, and must stop holding for `clearAfter` before it clears. A single spike
/// (or a single good reading in a bad spell) changes nothing.
///
/// A missing reading (the file vanished, the kernel has no PSI, a percentage of a limit that is not set) neither
/// raises nor clears: the detector waits for the next real reading, and says so once through `unavailable`.
public struct CheckDetector: Sendable {
    public let check: HealthCheck
    public private(set) var phase: Phase = .clear
    /// The last value read, for the evidence shown by `vigilctl status`.
    public private(set) var lastReading: MetricReading?
    /// Why the last reading was missing, while it is.
    public private(set) var unavailable: String?

    public enum Phase: Sendable, Equatable {
        /// The bound does not hold.
        case clear
        /// The bound has held on every reading since this instant, not yet for long enough.
        case pending(since: MonotonicInstant)
        /// Raised at this instant.
        case raised(since: MonotonicInstant)
        /// Raised, and the bound has not held since `clearingSince`.
        case clearing(raisedSince: MonotonicInstant, clearingSince: MonotonicInstant)

        public var isRaised: Bool {
            switch self {
            case .raised, .clearing: true
            case .clear, .pending: false
            }
        }
    }

    /// What one reading changed.
    public enum Transition: Sendable, Equatable {
        /// The bound has now held for `holdFor`; `since` is when it began to hold.
        case raised(since: MonotonicInstant, reading: MetricReading)
        /// The bound has now not held for `clearAfter`; the check was raised for `lasted`.
        case cleared(lasted: Duration, reading: MetricReading)
        /// The metric could not be read (the first reading of a spell without one).
        case becameUnavailable(reason: String)
    }

    public init(check: HealthCheck) {
        self.check = check
    }

    /// Feeds one reading taken at `now`.
    /// - Returns: what changed, if anything.
    public mutating func observe(_ reading: MetricReading, now: MonotonicInstant) -> Transition? {
        guard let holds = check.holds(for: reading) else {
            return markUnavailable("\(check.metric) has no total to take a percentage of")
        }
        unavailable = nil
        lastReading = reading
        switch (phase, holds) {
        case (.clear, true):
            if check.holdFor <= .zero {
                phase = .raised(since: now)
                return .raised(since: now, reading: reading)
            }
            phase = .pending(since: now)
        case (.pending(let since), true):
            if now - since >= check.holdFor {
                phase = .raised(since: since)
                return .raised(since: since, reading: reading)
            }
        case (.pending, false):
            phase = .clear
        case (.raised(let since), false):
            if check.clearAfter <= .zero {
                phase = .clear
                return .cleared(lasted: now - since, reading: reading)
            }
            phase = .clearing(raisedSince: since, clearingSince: now)
        case (.clearing(let since, _), true):
            phase = .raised(since: since)
        case (.clearing(let since, let clearingSince), false):
            if now - clearingSince >= check.clearAfter {
                phase = .clear
                return .cleared(lasted: now - since, reading: reading)
            }
        case (.clear, false), (.raised, true):
            break
        }
        return nil
    }

    /// Records that the metric could not be read at all.
    /// - Parameter reason: why, for the one event that says so.
    public mutating func observeMissing(reason: String) -> Transition? {
        markUnavailable(reason)
    }

    private mutating func markUnavailable(_ reason: String) -> Transition? {
        defer { unavailable = reason }
        return unavailable == nil ? .becameUnavailable(reason: reason) : nil
    }

    /// The evidence for status lines: `memory.psi.full.avg10=35 for 40s`.
    public func evidence(now: MonotonicInstant) -> String {
        let value = lastReading.map { HealthCheck.format(($0.value * 100).rounded() / 100) } ?? "?"
        switch phase {
        case .raised(let since), .clearing(let since, _):
            return "\(check.metric)=\(value) for \((now - since).humanReadable)"
        case .pending(let since):
            return "\(check.metric)=\(value) (pending \((now - since).humanReadable))"
        case .clear:
            return "\(check.metric)=\(value)"
        }
    }
}
