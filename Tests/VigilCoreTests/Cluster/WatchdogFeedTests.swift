import Testing
import VigilCore

/// When a node arms, feeds and disarms its watchdog device: only while it owns a resource, and only within its lease
/// deadline, so the device fires before the lease can expire at etcd.
@Suite struct WatchdogFeedTests {
    let t0 = MonotonicInstant(nanoseconds: 1_000_000_000_000)

    @Test func theDeviceIsArmedOnlyWhileTheNodeOwnsAResourceAndDisarmedOnceNoneRunsAnyMore() {
        var feed = WatchdogFeed(timeout: .seconds(1), margin: .milliseconds(250))
        #expect(feed.update(owns: false, running: false, now: t0).isEmpty)
        // An instance found running that the node does not own (vigild restarted) arms nothing.
        #expect(feed.update(owns: false, running: true, now: t0).isEmpty)
        #expect(feed.update(owns: true, running: true, now: t0) == [.arm, .schedule(t0 + .milliseconds(250))])
        #expect(feed.state == .armed(lastFeed: nil))
        // Ownership gone while the instance still stops: armed until it is down.
        #expect(feed.update(owns: false, running: true, now: t0).isEmpty)
        #expect(feed.update(owns: false, running: false, now: t0) == [.disarm])
        #expect(feed.state == .disarmed)
    }

    @Test func feedsFollowAnAcknowledgedKeepaliveAndStopInTimeForTheDeviceToFireBeforeTheDeadline() {
        var feed = WatchdogFeed(timeout: .seconds(1), margin: .milliseconds(250))
        _ = feed.update(owns: true, running: true, now: t0)
        // Armed without a renewal yet: no feed, only a look again.
        #expect(feed.feedDue(now: t0) == [.schedule(t0 + .milliseconds(250))])
        // A keepalive sent at t0 and acknowledged at t0 + 10 ms: the lease holds until t0 + 2 s.
        let deadline = t0 + .seconds(2)
        let acked = t0 + .milliseconds(10)
        #expect(feed.renewed(deadline: deadline, now: acked) == [.feed, .schedule(acked + .milliseconds(250))])
        #expect(feed.firesAt == acked + .seconds(1))
        // The last feed the deadline allows is at deadline - margin - timeout = t0 + 750 ms, exactly.
        let third = acked + .milliseconds(500)
        #expect(feed.feedDue(now: third) == [.feed, .schedule(t0 + .milliseconds(750))])
        #expect(feed.feedDue(now: t0 + .milliseconds(750)) == [.feed, .schedule(t0 + .seconds(1))])
        #expect(feed.firesAt == deadline - .milliseconds(250))
        // No keepalive acknowledged since: no feed any more, so the device fires 250 ms before the deadline.
        #expect(feed.feedDue(now: t0 + .seconds(1)) == [.schedule(t0 + .milliseconds(1_250))])
        #expect(feed.firesAt == deadline - .milliseconds(250))
        // A later renewal lets the feeds go on.
        let later = t0 + .milliseconds(1_100)
        #expect(feed.renewed(deadline: t0 + .milliseconds(2_600), now: later).first == .feed)
    }

    @Test func aLostLeaseEndsTheFeedsUntilANewLeaseIsRenewed() {
        var feed = WatchdogFeed(timeout: .seconds(1), margin: .milliseconds(250))
        _ = feed.update(owns: true, running: true, now: t0)
        _ = feed.renewed(deadline: t0 + .seconds(2), now: t0)
        feed.leaseLost()
        #expect(feed.feedDue(now: t0 + .milliseconds(100)) == [.schedule(t0 + .milliseconds(350))])
        #expect(feed.firesAt == t0 + .seconds(1))
        // A new lease's renewal that leaves no room for a feed before its deadline feeds nothing.
        #expect(feed.renewed(deadline: t0 + .milliseconds(1_300), now: t0 + .milliseconds(200)).first != .feed)
    }

    @Test func aDeviceThatSetsAnotherTimeoutIsFedByIt() {
        var feed = WatchdogFeed(timeout: .seconds(1), margin: .milliseconds(250))
        _ = feed.update(owns: true, running: true, now: t0)
        feed.deviceTimeout(.seconds(2))
        // With a 2 s device and a deadline 2 s ahead, no feed keeps the device from firing after the deadline.
        #expect(feed.renewed(deadline: t0 + .seconds(2), now: t0).first != .feed)
    }

    @Test func theWatchdogKeysAreParsedWithATimeoutDerivedFromTheTTL() throws {
        let base = "[cluster]\nendpoints = [\"127.0.0.1:2379\"]\nnode = \"a\"\n"
        let plain = try #require(try ConfigParser.parse(base, file: "vigil.toml").cluster)
        #expect(plain.watchdog == nil)
        let derived = try #require(
            try ConfigParser.parse(base + "watchdog = \"/dev/watchdog\"\n", file: "vigil.toml").cluster
        )
        #expect(derived.watchdog == "/dev/watchdog" && derived.watchdogTimeout == .seconds(2))
        let short = try #require(
            try ConfigParser.parse(base + "lease_ttl = \"2s\"\nwatchdog = \"/dev/watchdog\"\n", file: "vigil.toml")
                .cluster
        )
        #expect(short.watchdogTimeout == .seconds(1))
        let set = try #require(
            try ConfigParser.parse(
                base + "watchdog = \"/dev/watchdog1\"\nwatchdog_timeout = \"4s\"\n",
                file: "vigil.toml"
            ).cluster
        )
        #expect(set.watchdogTimeout == .seconds(4))
        let problems = ConfigParser.parseAll(
            base + "lease_ttl = \"3s\"\nwatchdog = \"watchdog\"\nwatchdog_timeout = \"3s\"\n"
        ).problems.map(\.description)
        #expect(problems.contains { $0.contains("watchdog") && $0.contains("absolute path") }, "\(problems)")
        #expect(problems.contains { $0.contains("watchdog_timeout") && $0.contains("at most") }, "\(problems)")
        let fraction = ConfigParser.parseAll(base + "watchdog = \"/dev/watchdog\"\nwatchdog_timeout = \"1500ms\"\n")
        #expect(fraction.problems.contains { $0.description.contains("whole seconds") })
    }
}
