import VigilCore
import VigilDaemon
import VigilLinux

/// The node's watchdog device (`[cluster] watchdog`), armed while the node owns a cluster resource and fed from the
/// engine queue within the lease deadline (`WatchdogFeed` decides; this opens, feeds and closes the device). A node
/// whose keepalives stop being acknowledged, or whose engine stalls, stops feeding it, and the device resets the
/// host before the lease can expire at etcd: the resources of a vigild that cannot stop them die with the host.
///
/// Confined to the engine queue, like the `ClusterService` that owns it.
final class NodeWatchdog {
    unowned let engine: Engine
    let path: String
    let node: String
    private var feed: WatchdogFeed
    private var device: WatchdogDevice?
    /// Calls `tick()` on the engine queue (`ClusterEvent.watchdogDue`).
    private let timer: LazyTimer
    /// The operation that failed last, until one succeeds: a failure is reported once, not at every attempt.
    private var failing: String?

    init(engine: Engine, path: String, config: ClusterConfig) {
        self.engine = engine
        self.path = path
        node = config.node
        feed = WatchdogFeed(timeout: config.watchdogTimeout, margin: ClusterConfig.fenceMargin)
        timer = engine.makeTimer(postingCluster: { ClusterEvent.watchdogDue })
    }

    /// Whether the device is open.
    var isArmed: Bool { device != nil }

    /// Arms the device when the node owns a resource, disarms it once it owns none and runs none.
    func update(owns: Bool, running: Bool) {
        perform(feed.update(owns: owns, running: running, now: engine.now))
    }

    /// A keepalive of the node's lease was acknowledged: the lease holds until `deadline`.
    func renewed(deadline: MonotonicInstant) {
        perform(feed.renewed(deadline: deadline, now: engine.now))
    }

    /// The lease can no longer be relied on: no more feeds under it.
    func leaseLost() {
        feed.leaseLost()
    }

    /// A new lease: the old one's deadline no longer counts.
    func newLease() {
        feed.newLease()
    }

    /// The feed timer fired: arm state first (`owns`, `running`), then a feed if the deadline allows.
    func tick(owns: Bool, running: Bool) {
        let now = engine.now
        let changed = feed.update(owns: owns, running: running, now: now)
        perform(changed.isEmpty ? feed.feedDue(now: now) : changed)
    }

    /// vigild stops in order (its resources are down): disarmed so the host is not reset.
    func stop() {
        timer.close()
        if device != nil {
            perform([.disarm])
        }
    }

    private func perform(_ actions: [WatchdogFeed.Action]) {
        for action in actions {
            switch action {
            case .arm:
                arm()
            case .feed:
                do {
                    try device?.feed()
                    failing = nil
                } catch {
                    fail("feed", error)
                }
            case .disarm:
                device?.disarm()
                device = nil
                timer.disarm()
                record(.watchdogDisarmed, "disarmed (magic close): this node owns and runs no cluster resource")
            case .schedule(let instant):
                timer.arm(at: instant)
            }
        }
    }

    private func arm() {
        do {
            let opened = try WatchdogDevice(path: path, timeout: feed.timeout)
            device = opened
            if let set = opened.timeout, set != feed.timeout {
                feed.deviceTimeout(set)
            }
            failing = nil
            let how = opened.timeout == nil ? "not a watchdog device: its timeout is the stand-in's" : "timeout set"
            record(
                .watchdogArmed,
                "armed (timeout \(feed.timeout.humanReadable), \(how)): fed while the lease deadline allows",
                ["TIMEOUT_USEC": String(feed.timeout.microseconds)]
            )
        } catch {
            feed.armFailed()
            fail("open", error)
        }
    }

    private func fail(_ operation: String, _ error: SystemError) {
        guard failing != operation else { return }
        failing = operation
        let consequence =
            operation == "open"
            ? "this node runs its cluster resources without the watchdog's protection"
            : "the device may reset this host"
        record(
            .watchdogFailed,
            "could not \(operation) it (\(error.reason)): \(consequence)",
            ["OPERATION": operation, "REASON": error.description]
        )
    }

    private func record(_ kind: EventKind, _ what: String, _ fields: [String: String] = [:]) {
        var fields = fields
        fields["NODE"] = node
        fields["DEVICE"] = path
        engine.events.record(
            Event(
                kind: kind,
                message: "cluster: watchdog \(path) on node \(node) \(what)",
                fields: fields,
                time: engine.now
            )
        )
    }
}
