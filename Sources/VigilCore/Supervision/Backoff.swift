/// Exponential backoff between a minimum and a maximum, with jitter.
///
/// The n-th consecutive restart waits `min` for n = 1, then `max(min, 100ms) × 2^(n−1)`, capped at `max`, each
/// spread by ±20 % so that targets that failed together do not restart in lockstep, and always within
/// `min...max`. A minimum of 0 makes the first restart immediate.
public struct Backoff: Sendable, Equatable {
    public var min: Duration
    public var max: Duration

    /// The step that doubles when `min` is 0 or tiny.
    public static let floorStep = Duration.milliseconds(100)

    public init(min: Duration, max: Duration) {
        self.min = min
        self.max = max
    }

    /// The delay before restart number `attempt` (1-based) of a run of unstable restarts.
    /// - Parameters:
    ///   - attempt: 1 for the first restart after a stable run.
    ///   - unit: a random number in `0..<1` that places the delay within its jitter band.
    public func delay(attempt: Int, unit: Double) -> Duration {
        let base: Duration
        if attempt <= 1 {
            base = min
        } else {
            let step = Swift.max(min, Self.floorStep)
            let exponent = Swift.min(attempt - 1, 40)
            let scaled = Double(step.nanoseconds) * Double(1 << exponent)
            base = scaled >= Double(max.nanoseconds) ? max : .nanoseconds(Int64(scaled))
        }
        let jittered = Double(base.nanoseconds) * (0.8 + 0.4 * unit)
        let clamped = Swift.min(Swift.max(jittered, Double(min.nanoseconds)), Double(max.nanoseconds))
        return .nanoseconds(Int64(clamped))
    }
}
