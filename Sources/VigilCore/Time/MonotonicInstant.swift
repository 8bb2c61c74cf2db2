/// A point on the monotonic clock (`CLOCK_MONOTONIC`), in nanoseconds.
///
/// `VigilCore` never reads a clock: callers pass the current instant in, so tests drive time by hand.
public struct MonotonicInstant: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) {
        self.nanoseconds = nanoseconds
    }

    public static let zero = MonotonicInstant(nanoseconds: 0)

    public static func < (lhs: Self, rhs: Self) -> Bool {
        lhs.nanoseconds < rhs.nanoseconds
    }

    public static func + (lhs: Self, rhs: Duration) -> Self {
        Self(nanoseconds: lhs.nanoseconds &+ rhs.nanoseconds)
    }

    public static func - (lhs: Self, rhs: Duration) -> Self {
        Self(nanoseconds: lhs.nanoseconds &- rhs.nanoseconds)
    }

    /// The time from `earlier` to `self`.
    public static func - (lhs: Self, rhs: Self) -> Duration {
        .nanoseconds(lhs.nanoseconds &- rhs.nanoseconds)
    }

    /// Microseconds, as the journal writes monotonic times.
    public var microseconds: Int64 {
        nanoseconds / 1_000
    }

    public var description: String {
        "\(nanoseconds / 1_000)us"
    }
}

extension Duration {
    /// The whole duration in nanoseconds, saturating at `Int64.max`.
    public var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (product, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow {
            return seconds < 0 ? .min : .max
        }
        return product &+ attoseconds / 1_000_000_000
    }

    /// The whole duration in microseconds.
    public var microseconds: Int64 {
        nanoseconds / 1_000
    }

    /// `1.5s`, `250ms`, `40us`: the largest unit that keeps the figure readable.
    public var humanReadable: String {
        let ns = nanoseconds
        if ns == 0 {
            return "0s"
        }
        if ns % 3_600_000_000_000 == 0 {
            return "\(ns / 3_600_000_000_000)h"
        }
        if ns % 60_000_000_000 == 0 {
            return "\(ns / 60_000_000_000)m"
        }
        if ns >= 1_000_000_000 {
            return Self.trim(Double(ns) / 1e9) + "s"
        }
        if ns >= 1_000_000 {
            return Self.trim(Double(ns) / 1e6) + "ms"
        }
        if ns >= 1_000 {
            return Self.trim(Double(ns) / 1e3) + "us"
        }
        return "\(ns)ns"
    }

    private static func trim(_ value: Double) -> String {
        let rounded = (value * 1_000).rounded() / 1_000
        if rounded == rounded.rounded() {
            return String(Int64(rounded))
        }
        return String(rounded)
    }
}
