import Testing
import VigilCore

@Suite struct RateLimiterTests {
    func limits(
        perSource: Double = 10,
        burst: Double = 5,
        global: Double = 1_000,
        sources: Int = 16
    )
        -> RateLimiter.Limits
    {
        RateLimiter.Limits(
            perSourceRate: perSource,
            perSourceBurst: burst,
            globalRate: global,
            globalBurst: global,
            maximumSources: sources
        )
    }

    /// Offers `count` datagrams from `source` at `milliseconds` on a manual clock; which were allowed.
    func offer(
        _ limiter: inout RateLimiter,
        _ source: String,
        at milliseconds: Int64,
        count: Int = 1
    ) -> [Bool] {
        let now = MonotonicInstant(nanoseconds: milliseconds * 1_000_000)
        return (0..<count).map { _ in limiter.allow(source: source, now: now) }
    }

    @Test func sourceMaySendItsBurstBackToBackThenIsLimited() {
        var limiter = RateLimiter(limits: limits())
        #expect(offer(&limiter, "a", at: 1, count: 6) == [true, true, true, true, true, false])
    }

    @Test func limitedSourceRegainsTokensAtItsRate() {
        var limiter = RateLimiter(limits: limits())
        _ = offer(&limiter, "a", at: 0, count: 5)
        #expect(offer(&limiter, "a", at: 50) == [false])
        #expect(offer(&limiter, "a", at: 150, count: 2) == [true, false])
    }

    @Test func steadySenderAtTheRateIsNeverLimited() {
        var limiter = RateLimiter(limits: limits())
        let allowed = (0..<1_000).flatMap { offer(&limiter, "a", at: Int64($0) * 100) }
        #expect(allowed.allSatisfy { $0 })
    }

    @Test func oneSourceOverItsLimitDoesNotLimitAnother() {
        var limiter = RateLimiter(limits: limits())
        _ = offer(&limiter, "flood", at: 0, count: 100)
        #expect(offer(&limiter, "quiet", at: 0) == [true])
    }

    @Test func globalLimitCapsAFloodFromManySources() {
        var limiter = RateLimiter(limits: limits(global: 20, sources: 1_000))
        let allowed = (0..<100).flatMap { offer(&limiter, "spoofed-\($0)", at: 0) }
        #expect(allowed.filter { $0 }.count == 20)
    }

    @Test func datagramRefusedByItsSourceTakesNothingFromTheGlobalBudget() {
        var limiter = RateLimiter(limits: limits(burst: 2, global: 3))
        _ = offer(&limiter, "flood", at: 0, count: 50)
        #expect(offer(&limiter, "other", at: 0) == [true])
    }

    @Test func memoryIsBoundedByEvictingTheLeastRecentlySeenSource() {
        var limiter = RateLimiter(limits: limits(burst: 1, sources: 3))
        var allowed = ["a", "b", "c"].flatMap { offer(&limiter, $0, at: 0) }
        // "a" is seen again (refused, but recently seen), so "b" is the oldest when "d" arrives.
        allowed += offer(&limiter, "a", at: 0) + offer(&limiter, "d", at: 0)
        #expect(allowed == [true, true, true, false, true])
        #expect(limiter.trackedSources == 3)
        // "a" kept its empty bucket; "b" was evicted and comes back with a full one.
        #expect(offer(&limiter, "a", at: 0) + offer(&limiter, "b", at: 0) == [false, true])
    }

    @Test func tenThousandSourcesNeverTrackMoreThanTheMaximum() {
        var limiter = RateLimiter(limits: limits(global: 1e9, sources: 64))
        for index in 0..<10_000 {
            _ = offer(&limiter, "s\(index % 5_000)", at: Int64(index))
        }
        #expect(limiter.trackedSources == 64)
    }

    @Test func clockGoingBackwardsNeitherRefillsNorBreaksTheBucket() {
        var limiter = RateLimiter(limits: limits(burst: 1))
        let allowed = offer(&limiter, "a", at: 1_000) + offer(&limiter, "a", at: 0) + offer(&limiter, "a", at: 1_150)
        #expect(allowed == [true, false, true])
    }

    @Test func defaultsAre50PerSecondBurst100PerSourceAnd20000Globally() {
        let defaults = RateLimiter.Limits.heartbeatDefaults
        #expect(defaults.perSourceRate == 50)
        #expect(defaults.perSourceBurst == 100)
        #expect(defaults.globalRate == 20_000)
        #expect(defaults.maximumSources == 4_096)
    }
}
