import Dispatch
import VigilCore
import VigilLinux

/// Recovery ladders, failover and the limit on concurrent recoveries: targets with `recovery` settings are brought
/// back by their ladder rather than by their restart policy, and a primary with standbys is replaced by one when the
/// ladder reaches `failover`. The ladders and failovers are pure state machines in VigilCore; this carries out their
/// actions on the members' supervisors and feeds them verdicts and outcomes. Confined to the engine queue.
package final class RecoveryCoordinator {
    unowned let engine: Engine
    /// Services by their (primary's) name, and the service each target belongs to.
    private(set) var services: [String: RecoveredService] = [:]
    private var serviceOf: [String: String] = [:]
    /// How many services' ladders may act at once; the others wait (`[daemon] concurrent_recoveries`).
    var limiter = RecoveryLimiter(limit: 4)

    init(engine: Engine) {
        self.engine = engine
    }

    /// Builds the services from the configuration, keeping the ladder, roles and failover of those whose settings
    /// did not change.
    /// - Returns: the services whose standby mode a reload changed (`applyStandbyModes`).
    @discardableResult
    func configure() -> [String] {
        dispatchPrecondition(condition: .onQueue(engine.queue))
        var fresh: [String: RecoveredService] = [:]
        var modeChanged: [String] = []
        for target in engine.loaded.config.targets {
            guard let recovery = target.recovery else { continue }
            if let existing = services[target.name], existing.config == recovery {
                fresh[target.name] = existing
                continue
            }
            let name = target.name
            let service = RecoveredService(owner: name, config: recovery, engine: engine)
            if let old = services[name], old.config.standbyMode != recovery.standbyMode {
                modeChanged.append(name)
            }
            if let old = services[name], service.members.contains(old.roles.active) {
                service.roles.active = old.roles.active
                service.roles.standbys = service.members.filter { $0 != old.roles.active }
            } else if services[name] == nil, let roles = restoredRoles(of: name, members: service.members) {
                // vigild restarted after a failover: the standby that took over is still the active one.
                service.roles = roles
            }
            service.failover?.adopt(roles: service.roles)
            fresh[name] = service
        }
        for (name, old) in services where fresh[name] !== old {
            old.close()
        }
        services = fresh
        var granted = limiter.setLimit(engine.loaded.config.daemon.concurrentRecoveries)
        for name in limiter.running.union(limiter.waiting) where services[name] == nil {
            granted += limiter.finish(name)
        }
        for name in granted {
            services[name]?.queuedSince = nil
        }
        serviceOf = [:]
        for service in services.values {
            for member in service.members {
                serviceOf[member] = service.owner
            }
        }
        // A reload may change a group's standby mode: each member's failures go where its role now says.
        for target in engine.targets.all {
            target.machine.recoversExternally = recoversByLadder(target.name)
        }
        return modeChanged
    }

    /// After a reload changed the standby mode of `owners`' groups: the standbys of a group that became hot are
    /// started (as standbys), those of a group that became cold are stopped (a cold standby does not run until a
    /// failover starts it). Standbys in maintenance, failed ones (the reload starts them again anyway) and groups
    /// with a failover under way are left alone.
    func applyStandbyModes(_ owners: [String]) {
        let now = engine.now
        for owner in owners {
            guard let service = services[owner], service.failover?.progress.isUnderWay != true else { continue }
            for name in service.roles.standbys {
                guard let supervisor = engine.targets[name], !supervisor.maintenance, !engine.targets.hostMaintenance
                else { continue }
                if case .failed = supervisor.machine.state {
                    continue
                }
                switch service.config.standbyMode {
                case .hot where supervisor.isDownForGood:
                    supervisor.perform(supervisor.machine.start(now: now))
                case .cold where supervisor.driver.hasInstance && !supervisor.isStopping:
                    supervisor.perform(supervisor.machine.stop(now: now, reason: "a cold standby does not run"))
                default:
                    break
                }
            }
        }
    }

    /// Roles restored from the state file, at start.
    private func restoredRoles(of owner: String, members: [String]) -> FailoverRoles? {
        guard let roles = engine.persistence.restored(owner)?.roles, members.contains(roles.active) else { return nil }
        return FailoverRoles(active: roles.active, standbys: members.filter { $0 != roles.active })
    }

    /// Whether `name` belongs to a service with a ladder (its restart policy then leaves recovery to the ladder).
    func isMember(_ name: String) -> Bool {
        serviceOf[name] != nil
    }

    func service(of name: String) -> RecoveredService? {
        serviceOf[name].flatMap { services[$0] }
    }

    /// The service `name` belongs to, by its owner's name.
    func serviceOwner(of name: String) -> String? {
        serviceOf[name]
    }

    /// Whether a target runs when it is added: a standby waits for a failover to promote it.
    func startsWhenAdded(_ name: String) -> Bool {
        // A cluster resource runs on the node that owns it in etcd, and nowhere else.
        if let cluster = engine.cluster, !cluster.permitsStart(of: name) {
            return false
        }
        guard let service = service(of: name) else { return true }
        return service.roles.active == name || service.config.standbyMode == .hot
    }

    /// The step the ladder of `name`'s service would run if `name` failed now; `nil` when `name` is not the active
    /// member of a service with a ladder, or no step would run (under way, exhausted, fenced, maintenance). A driver
    /// asks it to leave a convicted instance as it is for a step that works on it in place (`reset`).
    func nextStep(of name: String) -> RecoveryStep? {
        guard let service = service(of: name), service.roles.active == name else { return nil }
        return service.ladder.nextStep
    }

    /// The fencing token of cluster resource `name` while this node owns it (the owner key's create revision),
    /// handed to its actuators (`VIGIL_FENCING_TOKEN`) and recorded in its events; nil otherwise.
    func fencingToken(of name: String) -> Int64? {
        engine.cluster?.token(of: name)
    }

    /// Whether `name` stands by for another member of its service.
    func isStandby(_ name: String) -> Bool {
        guard let service = service(of: name) else { return false }
        return service.roles.active != name
    }

    /// `active` or `standby` for a member of a service with standbys.
    func role(of name: String) -> ServiceRole? {
        guard let service = service(of: name), !service.config.standbys.isEmpty else { return nil }
        return service.roles.active == name ? .active : .standby
    }

    /// Why an operator may not start `name` by hand: it is a standby while its service's active instance runs
    /// (that would make two actives; only a failover promotes one).
    func refusesManualStart(of name: String) -> String? {
        if let cluster = engine.cluster, !cluster.permitsStart(of: name) {
            return "\(name) is a cluster resource this node does not own: it runs on the node that owns it in etcd"
        }
        guard let service = service(of: name), service.roles.active != name, !service.config.standbys.isEmpty,
            service.config.standbyMode == .cold, engine.targets[service.roles.active]?.driver.hasInstance == true
        else { return nil }
        return "\(name) is a standby of \(service.owner), whose active instance \(service.roles.active) runs: "
            + "use vigilctl failover \(service.owner) --to \(name)"
    }

    /// `vigilctl reset-failed` for the active member of a service whose ladder ran out of steps: the ladder starts
    /// again at its first step (which brings the member back). The member itself is not `failed` (the ladder left it
    /// down), so this is the way out `recovery-exhausted` promises.
    /// - Returns: whether `name` had such a ladder.
    func resetExhaustedLadder(of name: String) -> Bool {
        guard let service = service(of: name), service.roles.active == name, case .failed = service.ladder.phase
        else { return false }
        performLadder(service.ladder.reset(now: engine.now), for: service)
        return true
    }

    /// The service's part of a target's entry in the state file.
    func persist(into entry: inout PersistedTargetState, for name: String) {
        guard let service = services[name] else { return }
        entry.ladder = service.ladder.snapshot
        entry.failover = service.failover?.progress
        entry.roles = service.roles
        entry.placement = service.failover?.placement.memory
    }

    /// Ladders follow the maintenance of their service's primary, or the host's: verdicts are still tracked and
    /// reported, no step runs.
    func maintenanceChanged() {
        let now = engine.now
        for service in services.values {
            let on = engine.targets.hostMaintenance || (engine.targets[service.owner]?.maintenance ?? false)
            if on != service.ladder.maintenance {
                performLadder(service.ladder.setMaintenance(on, now: now), for: service)
            }
        }
    }

    func timerFired(_ owner: String) {
        guard let service = services[owner] else { return }
        performLadder(service.ladder.timerFired(now: engine.now), for: service)
    }

    /// After the targets are added at start: the restored services take up their roles, ladders and any failover
    /// that was under way. Both the ladder and the failover are restored before either acts: a ladder resumed at
    /// its `failover` step joins the failover under way (rather than starting a new one, which a standby still
    /// being adopted would abort), and that failover's end reaches the restored ladder.
    func resume() {
        let now = engine.now
        for owner in services.keys.sorted() {
            guard let service = services[owner], let saved = engine.persistence.restored(owner) else { continue }
            var ladderActions: [RecoveryAction] = []
            if let snapshot = saved.ladder {
                let (ladder, actions) = RecoveryLadder.restored(
                    target: owner,
                    config: service.config,
                    from: snapshot,
                    now: now
                )
                service.ladder = ladder
                ladderActions = actions
            }
            guard let progress = saved.failover, progress.isUnderWay, service.failover != nil else {
                performLadder(ladderActions, for: service)
                continue
            }
            service.failover = FailoverStateMachine(
                service: owner,
                roles: service.roles,
                placement: StandbyPlacement(
                    strategy: service.config.placement,
                    standbys: service.members,
                    weights: service.config.weights,
                    memory: saved.placement ?? PlacementMemory()
                ),
                hooks: service.config.promoteHooks,
                progress: progress
            )
            engine.events.record(
                Event(
                    kind: .failoverProgress,
                    target: owner,
                    message: "\(owner): resuming the failover from \(progress.primary) that was under way "
                        + "(\(progress.phase.rawValue)) when vigild stopped",
                    fields: ["PHASE": progress.phase.rawValue, "PRIMARY": progress.primary],
                    time: now
                )
            )
            performLadder(ladderActions, for: service)
            performFailover(
                service.failover?.resume(candidates: candidates(for: service, only: nil), now: now) ?? [],
                for: service
            )
        }
    }

    // MARK: - Verdicts and outcomes, after every change

    /// Feeds each service's ladder the verdict of its active member when it changes, and reports the outcomes of
    /// the operations that have completed. Runs after every change.
    func settle() {
        for _ in 0..<8 {
            var progressed = false
            for owner in services.keys.sorted() {
                guard let service = services[owner] else { continue }
                progressed = settlePending(service) || progressed
                progressed = feedVerdict(service) || progressed
                progressed = releaseSlot(service) || progressed
            }
            if !progressed { break }
        }
    }

    /// The ladder hears `healthy` once the active member runs past its start grace, and `failed` (with the
    /// evidence of the failure) once it ended.
    @discardableResult
    private func feedVerdict(_ service: RecoveredService) -> Bool {
        guard let supervisor = engine.targets[service.roles.active] else { return false }
        let now = engine.now
        switch supervisor.machine.state {
        case .running:
            guard !service.reportedHealthy else { return false }
            service.reportedHealthy = true
            performLadder(service.ladder.verdict(.healthy, now: now), for: service)
            return true
        case .finished:
            guard service.reportedHealthy || service.ladder.verdict == nil || service.ladder.verdict == .healthy,
                case .failed(let evidence)? = supervisor.health(at: now)
            else { return false }
            guard slot(for: service, evidence: evidence, now: now) else { return false }
            service.reportedHealthy = false
            performLadder(service.ladder.verdict(.failed(evidence), now: now), for: service)
            return true
        default:
            return false
        }
    }

    /// Reports the operations that completed. Returns whether any did.
    private func settlePending(_ service: RecoveredService) -> Bool {
        let now = engine.now
        var progressed = false
        for (name, operation) in service.pending {
            guard let supervisor = engine.targets[name] else {
                service.pending[name] = nil
                report(.failed(reason: "\(name) is no longer configured"), of: operation, in: service)
                progressed = true
                continue
            }
            let down = supervisor.machine.isDown && !supervisor.driver.hasInstance
            switch (operation, supervisor.machine.state) {
            case (.ladderStart, .starting), (.ladderStart, .running), (.failoverPromote, .starting),
                (.failoverPromote, .running):
                service.pending[name] = nil
                report(.succeeded, of: operation, in: service)
            case (.ladderStart, .finished), (.failoverPromote, .finished), (.ladderStart, .failed),
                (.failoverPromote, .failed):
                service.pending[name] = nil
                let reason = supervisor.health(at: now)?.evidence?.description ?? "did not start"
                report(.failed(reason: reason), of: operation, in: service)
            case (.ladderStop(let sequence, let thenStart), _) where down:
                if thenStart {
                    service.pending[name] = .ladderStart(sequence: sequence)
                    supervisor.perform(supervisor.machine.start(now: now))
                } else {
                    service.pending[name] = nil
                    report(.succeeded, of: operation, in: service)
                }
            case (.failoverFence, _) where down:
                service.pending[name] = nil
                report(.succeeded, of: operation, in: service)
            case (.failoverRoleReport, _), (.rejoinReport, _):
                guard settleRoleReport(operation, of: supervisor, down: down, in: service) else { continue }
            case (.failoverRoleChange, _) where down:
                service.pending[name] = nil
                report(.failed(reason: "\(name) ended while it was being promoted"), of: operation, in: service)
            case (.rejoin, .running):
                service.pending[name] = nil
                rejoined(supervisor, in: service)
            case (.rejoin, _) where down && !supervisor.isSpawning:
                service.pending[name] = nil
            default:
                continue
            }
            progressed = true
        }
        return progressed
    }

    /// Hands an outcome to the ladder or the failover the operation belongs to.
    func report(
        _ outcome: RecoveryOutcome,
        of operation: RecoveredService.PendingOperation,
        in service: RecoveredService
    ) {
        let now = engine.now
        switch operation {
        case .ladderStart(let sequence), .ladderStop(let sequence, _), .ladderHook(let sequence):
            performLadder(service.ladder.outcome(outcome, sequence: sequence, now: now), for: service)
        case .failoverRoleChange(let sequence):
            promotionEnded(outcome, sequence: sequence, in: service)
        case .failoverFence(let sequence), .failoverPromote(let sequence), .failoverHook(let sequence),
            .failoverRoleReport(let sequence):
            performFailover(service.failover?.outcome(outcome, sequence: sequence, now: now) ?? [], for: service)
        case .rejoin, .rejoinReport:
            break
        }
    }

    // MARK: - The ladder's actions

    func performLadder(_ actions: [RecoveryAction], for service: RecoveredService) {
        let now = engine.now
        for action in actions {
            switch action {
            case .perform(let step, let sequence, _):
                perform(step, sequence: sequence, for: service)
            case .cancel(let sequence):
                service.pending = service.pending.filter { $0.value.ladderSequence != sequence }
                if let hook = service.hook, hook.operation.ladderSequence == sequence {
                    cancelHook(in: service)
                }
                if service.failoverLadderSequence == sequence {
                    // A failover is never stopped halfway; its roles are applied when it ends.
                    service.failoverLadderSequence = nil
                }
            case .resetDetectors:
                engine.targets[service.roles.active]?.resetDetectors(at: now)
                service.reportedHealthy = false
            case .armTimer(let instant):
                service.timer.arm(at: instant)
            case .disarmTimer:
                service.timer.disarm()
            case .emit(let event):
                engine.events.record(event)
            }
        }
    }

    func ladderOutcome(_ outcome: RecoveryOutcome, sequence: Int, for service: RecoveredService) {
        performLadder(service.ladder.outcome(outcome, sequence: sequence, now: engine.now), for: service)
    }

    private func perform(_ step: RecoveryStep, sequence: Int, for service: RecoveredService) {
        if performClusterStep(step, sequence: sequence, for: service) {
            return
        }
        let now = engine.now
        let active = service.roles.active
        guard let supervisor = engine.targets[active] else {
            ladderOutcome(.failed(reason: "\(active) is not configured"), sequence: sequence, for: service)
            return
        }
        switch step {
        case .restart, .fence:
            let start = step == .restart
            if start, supervisor.machine.isDown, let refused = admission(of: service, for: active, now: now) {
                ladderOutcome(.failed(reason: "not admitted: \(refused)"), sequence: sequence, for: service)
                return
            }
            if supervisor.machine.isDown && !supervisor.driver.holdsProcess {
                if start {
                    service.pending[active] = .ladderStart(sequence: sequence)
                    supervisor.perform(supervisor.machine.start(now: now))
                } else {
                    ladderOutcome(.succeeded, sequence: sequence, for: service)
                }
            } else {
                service.pending[active] = .ladderStop(sequence: sequence, thenStart: start)
                let reason = start ? "recovery: restart" : "recovery: fence"
                supervisor.perform(supervisor.machine.stop(now: now, reason: reason))
            }
        case .failover:
            guard service.failover != nil else {
                ladderOutcome(.failed(reason: "no standbys"), sequence: sequence, for: service)
                return
            }
            service.failoverLadderSequence = sequence
            let trigger = supervisor.machine.lastFailure?.description ?? "recovery ladder"
            performFailover(
                service.failover?.start(candidates: candidates(for: service, only: nil), trigger: trigger, now: now)
                    ?? [],
                for: service
            )
        case .revert, .reset:
            let owner = service.owner
            let completion: (RecoveryOutcome) -> Void = { [weak engine] outcome in
                guard let engine, let service = engine.recovery.services[owner] else { return }
                engine.recovery.ladderOutcome(outcome, sequence: sequence, for: service)
            }
            let refusal =
                step == .revert
                ? supervisor.driver.revert(sequence: sequence, completion: completion)
                : supervisor.driver.reset(sequence: sequence, completion: completion)
            if let refusal {
                ladderOutcome(.failed(reason: refusal), sequence: sequence, for: service)
            }
        case .exec(let name):
            runHook(name, in: service, operation: .ladderHook(sequence: sequence), extra: [:])
        }
    }
}
