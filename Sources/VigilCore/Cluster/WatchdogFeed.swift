/// When a node feeds its watchdog device: a value-type state machine with the time passed in, carried out by the
/// daemon (`NodeWatchdog`), which opens, feeds and closes the device.
///
/// The device is armed (opened) only while the node owns a cluster resource, and stays armed until every instance of
/// one has stopped here; it is then disarmed with the magic close (`V`, then close), so a node that owns nothing is
/// never reset. While armed it is fed only within the lease's **deadline** (`LeaseDeadline`: the TTL counted from the
/// send time of the last keepalive etcd acknowledged), and only from the engine queue:
///
/// - a feed at `now` makes the device fire at `now + timeout` at the latest, so a feed is allowed only while
///   `now + timeout <= deadline - margin`. The device therefore fires at `deadline - margin` at the latest, before
///   the lease can expire at etcd and another node start the resources, whatever vigild does after the feed;
/// - feeds follow each acknowledged keepalive at once, and repeat every `period` while the deadline allows, the last
///   one exactly at `deadline - margin - timeout`; a node whose keepalives stop being acknowledged stops feeding, and
///   its device fires `margin` before the deadline unless vigild has stopped its resources and disarmed by then (the
///   self-fence starts `stop budget + margin` before it);
/// - a lost lease ends the feeds for good (a new lease's first acknowledged keepalive starts them again);
/// - an engine that is stalled (its queue blocked) runs no feed: the device fires `timeout` after the last one.
public struct WatchdogFeed: Sendable, Equatable {
    /// What the daemon does to the device.
    public enum Action: Sendable, Equatable {
        /// Open the device (and set its timeout).
        case arm
        /// Write one byte to the device.
        case feed
        /// Write `V` and close the device, so it does not fire.
        case disarm
        /// Call `feedDue(now:)` at this instant (replaces an earlier one).
        case schedule(MonotonicInstant)
    }

    public enum State: Sendable, Equatable {
        case disarmed
        /// Open; `lastFeed` nil until the first feed (the device counts from its opening then).
        case armed(lastFeed: MonotonicInstant?)
    }

    /// The device's timeout: how long after a feed it fires.
    public private(set) var timeout: Duration
    /// How long before the lease deadline the device must have fired: the time a reset takes to end the resources.
    public let margin: Duration
    public private(set) var state: State = .disarmed
    /// The lease deadline from the last acknowledged keepalive; nil without a lease that can be relied on.
    public private(set) var deadline: MonotonicInstant?

    /// - Parameters:
    ///   - timeout: the device's timeout (`watchdog_timeout`).
    ///   - margin: how long before the lease deadline the device must fire.
    public init(timeout: Duration, margin: Duration) {
        self.timeout = timeout
        self.margin = margin
    }

    /// How often the device is fed while the deadline allows.
    public var period: Duration {
        min(timeout / 4, .milliseconds(250))
    }

    /// The last instant a feed is allowed at, or nil without a deadline.
    public var lastFeedAllowed: MonotonicInstant? {
        deadline.map { $0 - margin - timeout }
    }

    /// Whether the node needs the device armed: `owns` a cluster resource now, or `running` an instance of one
    /// (an armed device stays armed until the last instance is down; an unowned one never arms it).
    public mutating func update(owns: Bool, running: Bool, now: MonotonicInstant) -> [Action] {
        switch state {
        case .disarmed where owns:
            state = .armed(lastFeed: nil)
            return [.arm] + feedDue(now: now)
        case .armed where !owns && !running:
            state = .disarmed
            return [.disarm]
        default:
            return []
        }
    }

    /// The device could not be opened: disarmed, to be tried again at the next `update`.
    public mutating func armFailed() {
        state = .disarmed
    }

    /// The device took another timeout than asked (`WDIOC_SETTIMEOUT` answers the one it set).
    public mutating func deviceTimeout(_ actual: Duration) {
        timeout = actual
    }

    /// A keepalive was acknowledged: the lease holds until `deadline`. Feeds at once if the deadline allows.
    public mutating func renewed(deadline: MonotonicInstant, now: MonotonicInstant) -> [Action] {
        self.deadline = max(deadline, self.deadline ?? deadline)
        return feedDue(now: now)
    }

    /// The lease can no longer be relied on (self-fence): no feed until a new lease is renewed.
    public mutating func leaseLost() {
        deadline = nil
    }

    /// A new lease was granted: the old one's deadline no longer counts.
    public mutating func newLease() {
        deadline = nil
    }

    /// Feeds if armed and the deadline allows it, and says when to look again: every `period` while armed (to feed,
    /// and to disarm once the last instance is down), and exactly at the last instant a feed is allowed.
    public mutating func feedDue(now: MonotonicInstant) -> [Action] {
        guard case .armed = state else {
            return []
        }
        var next = now + period
        guard let latest = lastFeedAllowed, now <= latest else {
            return [.schedule(next)]
        }
        state = .armed(lastFeed: now)
        if latest > now {
            next = min(next, latest)
        }
        return [.feed, .schedule(next)]
    }

    /// When the device fires if nothing feeds it any more; nil while disarmed or before the first feed.
    public var firesAt: MonotonicInstant? {
        guard case .armed(let last?) = state else { return nil }
        return last + timeout
    }
}
