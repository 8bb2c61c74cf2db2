import VigilCore
import VigilLinux

/// Failover: fence the active member, confirm it is down, check the chosen standby, promote it, run the promote
/// hooks, record the new roles.
extension RecoveryCoordinator {
    /// Whether the service's reservation fits on this host now; a refusal is recorded as an event.
    func admission(of service: RecoveredService, for target: String, now: MonotonicInstant) -> String? {
        guard !service.config.reservation.isEmpty, let host = engine.health.hostResources() else { return nil }
        guard case .refused(let reason) = AdmissionControl.decide(service.config.reservation, on: host) else {
            return nil
        }
        engine.events.record(
            Event(
                kind: .admissionRefused,
                target: target,
                message: "\(target): not started here: \(reason)",
                fields: ["REASON": reason, "SERVICE": service.owner],
                time: now
            )
        )
        return reason
    }

    /// What placement knows about each standby (a standby is failed if its own machine gave up).
    func candidates(for service: RecoveredService, only chosen: String?) -> [StandbyCandidate] {
        let pressure = engine.health.hostSampler?.pressure?.memory?.some.avg10
        let refusal = admission(of: service, for: service.owner, now: engine.now)
        return service.roles.standbys.map { name in
            let supervisor = engine.targets[name]
            var failed = false
            if case .failed = supervisor?.machine.state {
                failed = true
            }
            return StandbyCandidate(
                name: name,
                failed: failed || supervisor == nil,
                maintenance: engine.targets.hostMaintenance || (supervisor?.maintenance ?? false),
                refusal: chosen.flatMap { $0 == name ? nil : "not the standby the operator chose (\($0))" } ?? refusal,
                pressure: pressure,
                unready: unready(name, in: service)
            )
        }
    }

    func performFailover(_ actions: [FailoverAction], for service: RecoveredService) {
        let now = engine.now
        // New roles reach the disk before the event that announces them: whoever reads the event and kills vigild
        // must find them there.
        for case .finished(.completed(let roles)) in actions {
            service.roles = roles
            engine.persistence.saveNow()
        }
        for action in actions {
            switch action {
            case .fence(let target, let sequence):
                guard let supervisor = engine.targets[target] else {
                    failoverOutcome(.failed(reason: "no target \(target)"), sequence: sequence, for: service)
                    continue
                }
                service.pending[target] = .failoverFence(sequence: sequence)
                supervisor.perform(supervisor.machine.stop(now: now, reason: "fenced for failover"))
            case .checkStatus(let target, let sequence):
                checkStatus(of: target, sequence: sequence, in: service)
            case .promote(let target, let sequence):
                guard let supervisor = engine.targets[target] else {
                    failoverOutcome(.failed(reason: "no target \(target)"), sequence: sequence, for: service)
                    continue
                }
                if service.config.standbyMode == .hot, supervisor.driver.hasInstance, !supervisor.isStopping {
                    promoteRunning(supervisor, sequence: sequence, in: service)
                    continue
                }
                service.pending[target] = .failoverPromote(sequence: sequence)
                supervisor.perform(supervisor.machine.start(now: now))
            case .runHook(let name, let primary, let standby, let sequence):
                runHook(
                    name,
                    in: service,
                    operation: .failoverHook(sequence: sequence),
                    extra: ["VIGIL_PRIMARY": primary, "VIGIL_STANDBY": standby]
                )
            case .emit(let event):
                engine.events.record(event)
            case .finished(.completed(let roles)):
                service.roles = roles
                service.reportedHealthy = false
                engine.persistence.saveNow()
                if let former = service.failover?.progress.primary {
                    hotFailoverCompleted(in: service, formerPrimary: former)
                }
                if let sequence = service.failoverLadderSequence {
                    service.failoverLadderSequence = nil
                    performLadder(service.ladder.outcome(.succeeded, sequence: sequence, now: now), for: service)
                }
            case .finished(.aborted(let reason)):
                if let hook = service.hook, case .failoverHook = hook.operation {
                    cancelHook(in: service)
                }
                if let sequence = service.failoverLadderSequence {
                    service.failoverLadderSequence = nil
                    performLadder(
                        service.ladder.outcome(.failed(reason: reason), sequence: sequence, now: now),
                        for: service
                    )
                }
            }
        }
    }

    private func failoverOutcome(_ outcome: RecoveryOutcome, sequence: Int, for service: RecoveredService) {
        performFailover(service.failover?.outcome(outcome, sequence: sequence, now: engine.now) ?? [], for: service)
    }

    /// A failover's status check of `target`. One whose start or adoption is under way is asked again every 100 ms
    /// until that ends, rather than answered "unknown" (which aborts the failover): a domain a restarted vigild
    /// finds is adopted only once libvirt has answered, moments after the failover under way was resumed. The
    /// start ends, one way or the other, within the target's `start_timeout`.
    func checkStatus(of target: String, sequence: Int, in service: RecoveredService) {
        if let supervisor = engine.targets[target], case .spawning = supervisor.machine.state {
            engine.after(
                .milliseconds(100),
                post: .failoverStatusDue(owner: service.owner, target: target, sequence: sequence)
            )
            return
        }
        let activity = hotActivity(of: target, in: service) ?? activity(of: target)
        performFailover(service.failover?.status(activity, sequence: sequence, now: engine.now) ?? [], for: service)
    }

    /// A deferred status check is due: asked again if the failover still waits for it.
    func failoverStatusDue(owner: String, target: String, sequence: Int) {
        guard let service = services[owner], service.failover?.progress.sequence == sequence,
            service.failover?.progress.isUnderWay == true
        else { return }
        checkStatus(of: target, sequence: sequence, in: service)
    }

    /// Whether a target runs, as a failover must know before promoting anyone.
    func activity(of name: String) -> TargetActivity {
        guard let supervisor = engine.targets[name] else { return .unknown(reason: "\(name) is not configured") }
        if supervisor.driver.hasInstance {
            return .active
        }
        switch supervisor.machine.state {
        case .idle, .finished, .failed, .waiting:
            return .inactive
        case .spawning, .backingOff:
            return .unknown(reason: "\(name) is \(supervisor.machine.state.word)")
        default:
            return .active
        }
    }

    /// `vigilctl failover T [--to S]`: starts a failover of T's service now.
    func requestFailover(of name: String, to chosen: String?, by who: String) -> ControlResponse {
        guard let owner = serviceOwner(of: name), let service = services[owner], service.failover != nil else {
            return .failure("\(name) has no standbys to fail over to")
        }
        if let chosen, !service.roles.standbys.contains(chosen) {
            let standbys = service.roles.standbys.joined(separator: ", ")
            return .failure("\(chosen) is not a standby of \(owner) (standbys now: \(standbys))")
        }
        if service.failover?.progress.isUnderWay == true {
            return .failure("a failover of \(owner) is already under way")
        }
        let now = engine.now
        let trigger = "requested by \(who)"
        let actions =
            service.failover?.start(candidates: candidates(for: service, only: chosen), trigger: trigger, now: now)
            ?? []
        performFailover(actions, for: service)
        if let aborted = service.failover?.progress.abortReason, service.failover?.progress.phase == .aborted {
            return .failure("failover of \(owner) not started: \(aborted)")
        }
        let standby = service.failover?.progress.standby ?? "?"
        return ControlResponse(ok: true, message: "failing over \(owner) from \(service.roles.active) to \(standby)")
    }
}
