import VigilCore

/// Colocation: an address that `follows` a target is added only while that target runs healthy on this node, and
/// removed before it stops (`followedStopping`, called as its stop begins) or as soon as it is found down
/// (`followedChanged`, after every event). An address removed for its followed target comes back when that target
/// runs healthy again, without counting as a failure; one the operator stopped stays stopped.
extension AddressDriver {
    func followedChanged() {
        guard let followed = config.follows else { return }
        let ready = engine.targets.runsHealthy(followed)
        switch phase {
        case .waitingForFollowed:
            if ready, supervisor.awaitsInstance {
                bringUp()
            }
        case .up:
            if !ready, !supervisor.isStopping {
                stopForFollowed("\(followed) does not run healthy on this node any more")
            }
        case .down:
            if ready, stoppedForFollowed, supervisor.machine.isDown, engine.recovery.startsWhenAdded(name) {
                stoppedForFollowed = false
                supervisor.perform(supervisor.machine.start(now: engine.now))
            }
        }
    }

    func followedStopping() {
        guard let followed = config.follows, hasInstance, !supervisor.isStopping else { return }
        stopForFollowed("\(followed) is stopping")
    }

    private func stopForFollowed(_ reason: String) {
        stopReason = reason
        supervisor.perform(supervisor.machine.stop(now: engine.now, reason: reason))
        stoppedForFollowed = true
    }
}

extension TargetRegistry {
    /// Whether `name`'s instance runs (started, not stopping) and its health verdict is `healthy`.
    package func runsHealthy(_ name: String) -> Bool {
        guard let supervisor = self[name] else { return false }
        switch supervisor.machine.state {
        case .starting, .running:
            return supervisor.health(at: engine.now) == .healthy
        default:
            return false
        }
    }

    /// After every event: each follower sees whether its followed target runs healthy.
    func settleFollowers() {
        for supervisor in all where supervisor.config.follows != nil {
            supervisor.driver.followedChanged()
        }
    }

    /// `name` begins to stop: its followers stop first.
    func followedStopping(_ name: String) {
        for supervisor in all where supervisor.config.follows == name {
            supervisor.driver.followedStopping()
        }
    }
}
