import VigilCluster
import VigilCore
import VigilDaemon

/// What the watchdog (`NodeWatchdog`) learns from the cluster session: every renewal's deadline, a lost or new
/// lease, and after every event whether this node owns or still runs a cluster resource.
extension ClusterService {
    /// Called after `handle(_:)` has carried out `event`.
    func watchdogFollow(_ event: ClusterEvent) {
        guard let watchdog else { return }
        switch event {
        case .joined:
            watchdog.newLease()
        case .lease(let granted, .renewed(let deadline, _)) where granted.id == ownership.lease:
            watchdog.renewed(deadline: deadline)
        case .lease(_, .lost):
            watchdog.leaseLost()
        case .watchdogDue:
            watchdog.tick(owns: ownsResources, running: runsResources)
            return
        default:
            break
        }
        if ownership.lease == nil {
            // A lost lease (the keeper's news, or a view without this node's key): no feed until a new one renews.
            watchdog.leaseLost()
        }
        watchdog.update(owns: ownsResources, running: runsResources)
    }

    /// Keeps the actuators' table of tokens (`VIGIL_FENCING_TOKEN` for exec hooks) as `token(of:)` answers: set for a
    /// resource this node owns or still stops, removed for the others.
    func publishTokens() {
        for resource in engine.loaded.config.clusterResources {
            engine.targets.fencingTokens.set(token(of: resource.name), for: resource.name)
        }
    }

    /// Whether this node owns a cluster resource.
    private var ownsResources: Bool {
        !ownership.held.isEmpty
    }

    /// Whether an instance of a cluster resource runs (or is not yet down) here.
    private var runsResources: Bool {
        engine.loaded.config.clusterResources.contains { engine.targets[$0.name].map { !$0.isDownForGood } ?? false }
    }
}
