/// A token bucket: holds up to `burst` tokens, gains `rate` per second, and each allowed event takes one.
public struct TokenBucket: Sendable, Equatable {
    /// Tokens gained per second.
    public var rate: Double
    /// The most tokens it holds, so the most events allowed back to back after a quiet spell.
    public var burst: Double
    public private(set) var tokens: Double
    /// When `tokens` was last brought up to date; `nil` before the first use.
    private var updated: MonotonicInstant?

    /// A full bucket.
    public init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = burst
        self.tokens = burst
    }

    /// Adds what `rate` earned since the last call. An instant earlier than the last is treated as no time
    /// passing, so a clock that steps back cannot drain or overfill the bucket.
    public mutating func refill(now: MonotonicInstant) {
        guard let updated else {
            self.updated = now
            return
        }
        guard now > updated else { return }
        let seconds = Double((now - updated).nanoseconds) / 1e9
        tokens = min(burst, tokens + seconds * rate)
        self.updated = now
    }

    /// Whether a token is there to take.
    public var hasToken: Bool { tokens >= 1 }

    /// Takes one token; only when `hasToken`.
    public mutating func take() {
        tokens -= 1
    }
}
