import VigilCore

/// The ladder of a cluster resource (`cluster = true` with `recovery`): its steps run on the node that owns the
/// resource; its end, or a `failover` step, gives the resource up on this node, and the cluster service then
/// releases the owner key (guarded by the fencing token) and lists the resource as `refused` in the node key, so
/// another node claims it with a higher token (`RecoveryLadder+Cluster`). A ladder never starts a cluster resource
/// this node does not own.
extension RecoveryCoordinator {
    /// Whether `name` is a cluster resource of a cluster-mode vigild.
    private func isClusterResource(_ name: String) -> Bool {
        engine.cluster != nil && engine.loaded.config.target(named: name)?.cluster == true
    }

    /// Carries out a ladder step of a cluster resource where it differs from a local target's: `failover` hands the
    /// resource over (no standby: the ladder ends here and the node gives it up), and no step acts on a resource
    /// this node does not own (its ladder is abandoned instead: a restart would start a second instance).
    /// - Returns: whether the step was handled here (the caller performs it otherwise).
    func performClusterStep(_ step: RecoveryStep, sequence: Int, for service: RecoveredService) -> Bool {
        let name = service.roles.active
        guard let cluster = engine.cluster, isClusterResource(name) else { return false }
        let now = engine.now
        if step == .failover {
            performLadder(service.ladder.handOver(sequence: sequence, now: now), for: service)
            if let supervisor = engine.targets[name], !supervisor.isDownForGood {
                // Released only once down (`gaveUp`): never two instances.
                let reason = "recovery: handing the cluster resource to another node"
                supervisor.perform(supervisor.machine.stop(now: now, reason: reason))
            }
            return true
        }
        guard !cluster.permitsStart(of: name) else { return false }
        ownershipEnded(name)
        return true
    }

    /// Whether this node gave cluster resource `name` up (its ladder is exhausted or handed it over) and its
    /// instance here is down: the cluster service then releases it and lists it as refused.
    package func gaveUp(_ name: String) -> Bool {
        guard let service = service(of: name), service.ladder.hasGivenUp else { return false }
        return engine.targets[name]?.isDownForGood ?? true
    }

    /// This node stopped cluster resource `name` because it no longer owns it (its owner key is gone or another's,
    /// or the node's lease cannot be relied on): not a failure of the resource. Its ladder forgets the run under
    /// way, so it neither restarts the resource here nor counts the stop against it; an exited instance is taken as
    /// stopped, so its exit does not start a run either.
    package func ownershipEnded(_ name: String) {
        guard let service = service(of: name), !service.ladder.hasGivenUp else { return }
        if let supervisor = engine.targets[name], supervisor.machine.isDown, supervisor.machine.state != .idle {
            supervisor.perform(supervisor.machine.stop(now: engine.now, reason: "not owned by this node"))
        }
        service.reportedHealthy = false
        performLadder(service.ladder.abandon(now: engine.now), for: service)
    }

    /// `vigilctl reset-failed` of a cluster resource this node gave up and does not own: the node accepts it again
    /// (its ladder starts afresh, its restart policy's failed state is cleared) without starting it; it leaves the
    /// node key's `refused` list, and the resource starts here only if this node claims it. When every node has
    /// refused a resource nobody runs it, and this is how an operator gives it a node again.
    /// - Returns: the answer, or nil when `name` is not such a resource (the command then goes on as for any target).
    func acceptAgain(_ name: String, by who: String) -> ControlResponse? {
        guard let cluster = engine.cluster, isClusterResource(name), !cluster.permitsStart(of: name),
            let supervisor = engine.targets[name]
        else { return nil }
        var refused = false
        if let service = service(of: name), service.ladder.hasGivenUp {
            performLadder(service.ladder.acceptAgain(now: engine.now), for: service)
            service.reportedHealthy = false
            refused = true
        }
        if case .failed = supervisor.machine.state {
            refused = true
        }
        guard refused else {
            return .failure("\(name) is not failed on this node: it runs on the node that owns it in etcd")
        }
        if supervisor.machine.isDown {
            supervisor.perform(supervisor.machine.stop(now: engine.now, reason: "reset-failed by \(who)"))
        }
        engine.logger.notice(
            "\(name): accepted again on this node by \(who) (no longer refused)",
            metadata: ["VIGIL_TARGET": "\(name)"]
        )
        return ControlResponse(
            ok: true,
            message: "\(name): accepted again on this node (no longer refused); it starts here if this node claims it"
        )
    }
}
