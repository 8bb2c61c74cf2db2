/// Limits how many datagrams per second the heartbeat listener verifies, per source and in total, so a flood
/// cannot make vigild spend its time on HMACs or starve the engine queue.
///
/// Each source (a sender address, or a unix sender's pid) has a token bucket; one more bucket covers every source
/// together, because a flood from spoofed UDP addresses would get a fresh bucket per address. Memory is bounded:
/// at most `maximumSources` buckets are kept and the least recently seen is evicted for a new one. An evicted
/// source comes back with a full bucket, which only ever makes the limiter more lenient to it; the global bucket
/// still caps the total.
///
/// Call `allow` for every datagram before decoding it: the point is to avoid the work of checking its MAC.
public struct RateLimiter: Sendable {
    /// The limits; `heartbeatDefaults` unless the configuration says otherwise.
    public struct Limits: Sendable, Equatable {
        /// Datagrams per second from one source.
        public var perSourceRate: Double
        /// Datagrams one source may send back to back.
        public var perSourceBurst: Double
        /// Datagrams per second from all sources together.
        public var globalRate: Double
        /// Datagrams all sources together may send back to back.
        public var globalBurst: Double
        /// Sources tracked at once.
        public var maximumSources: Int

        public init(
            perSourceRate: Double,
            perSourceBurst: Double,
            globalRate: Double,
            globalBurst: Double,
            maximumSources: Int
        ) {
            precondition(maximumSources >= 1, "a rate limiter tracks at least one source")
            self.perSourceRate = perSourceRate
            self.perSourceBurst = perSourceBurst
            self.globalRate = globalRate
            self.globalBurst = globalBurst
            self.maximumSources = maximumSources
        }

        /// 50/s with bursts of 100 per source — 10 times what a sender at the fastest sensible interval (100 ms)
        /// needs, room for several targets behind one address — and 20000/s in total, which verifying costs a
        /// few percent of one core; 4096 sources take well under a megabyte.
        public static let heartbeatDefaults = Limits(
            perSourceRate: 50,
            perSourceBurst: 100,
            globalRate: 20_000,
            globalBurst: 20_000,
            maximumSources: 4_096
        )
    }

    /// One tracked source in a doubly linked list ordered by when it was last seen.
    private struct Slot: Sendable {
        var source: String
        var bucket: TokenBucket
        var newer: Int
        var older: Int
    }

    public let limits: Limits
    private var global: TokenBucket
    private var slots: [Slot] = []
    private var slotOfSource: [String: Int] = [:]
    private var newest = -1
    private var oldest = -1

    public init(limits: Limits = .heartbeatDefaults) {
        self.limits = limits
        global = TokenBucket(rate: limits.globalRate, burst: limits.globalBurst)
    }

    /// How many sources have a bucket now.
    public var trackedSources: Int { slots.count }

    /// Whether one more datagram from `source` may be processed at `now`; counts it when so.
    ///
    /// A datagram refused by either bucket takes a token from neither, so a source over its own limit does not
    /// eat into the global budget.
    /// - Parameters:
    ///   - source: Who sent it, e.g. `udp:192.0.2.7:40123` or `unix:pid=812`.
    ///   - now: The current monotonic instant.
    /// - Returns: `false` when the datagram should be dropped as `rate-limited`.
    public mutating func allow(source: String, now: MonotonicInstant) -> Bool {
        global.refill(now: now)
        let slot = touch(source)
        slots[slot].bucket.refill(now: now)
        guard slots[slot].bucket.hasToken, global.hasToken else { return false }
        slots[slot].bucket.take()
        global.take()
        return true
    }

    /// The slot of `source`, made the newest; a new one (perhaps evicting the oldest) when it is not tracked.
    private mutating func touch(_ source: String) -> Int {
        if let slot = slotOfSource[source] {
            unlink(slot)
            linkAsNewest(slot)
            return slot
        }
        let bucket = TokenBucket(rate: limits.perSourceRate, burst: limits.perSourceBurst)
        let slot: Int
        if slots.count < limits.maximumSources {
            slot = slots.count
            slots.append(Slot(source: source, bucket: bucket, newer: -1, older: -1))
        } else {
            slot = oldest
            unlink(slot)
            slotOfSource[slots[slot].source] = nil
            slots[slot].source = source
            slots[slot].bucket = bucket
        }
        slotOfSource[source] = slot
        linkAsNewest(slot)
        return slot
    }

    private mutating func unlink(_ slot: Int) {
        let newer = slots[slot].newer
        let older = slots[slot].older
        if newer >= 0 { slots[newer].older = older } else { newest = older }
        if older >= 0 { slots[older].newer = newer } else { oldest = newer }
        slots[slot].newer = -1
        slots[slot].older = -1
    }

    private mutating func linkAsNewest(_ slot: Int) {
        slots[slot].older = newest
        slots[slot].newer = -1
        if newest >= 0 { slots[newest].newer = slot }
        newest = slot
        if oldest < 0 { oldest = slot }
    }
}
