extension ClusterConfig {
    /// The watchdog device's timeout: `watchdog_timeout`, or half the lease TTL in whole seconds (at least 1 s).
    ///
    /// Why half: a feed at `now` is allowed only while `now + timeout` stays `fenceMargin` before the lease deadline
    /// (`WatchdogFeed`), and the first feed after an acknowledged keepalive comes a round trip after its send. Half
    /// the TTL leaves the other half for that round trip and the margin, so even a keepalive answered late is
    /// followed by a feed; a shorter timeout only resets a stalled engine sooner, a longer one leaves no room for
    /// slow answers. TTL 2 s gives 1 s (keepalives every 500 ms), TTL 5 s gives 2 s.
    public var watchdogTimeout: Duration {
        watchdogTimeoutSetting ?? Self.defaultWatchdogTimeout(leaseTTL: leaseTTL)
    }

    /// Half of `leaseTTL`, in whole seconds, at least 1 s.
    public static func defaultWatchdogTimeout(leaseTTL: Duration) -> Duration {
        .seconds(max(1, leaseTTL.components.seconds / 2))
    }

    /// The longest `watchdog_timeout` `leaseTTL` allows: a feed right after a keepalive's answer must fit before the
    /// deadline less the margin, so the timeout is at most the TTL less one second.
    public static func longestWatchdogTimeout(leaseTTL: Duration) -> Duration {
        max(.seconds(1), leaseTTL - .seconds(1))
    }
}
