import Dispatch
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// Recovery ladders and failover: targets with `recovery` settings are brought back by their ladder rather than by
/// their restart policy, and a primary with standbys is replaced by one when the ladder reaches `failover`.
extension Engine {
    /// Builds the services from the configuration, keeping the ladder, roles and failover of those whose settings
    /// did not change.
    func configureServices() {
        dispatchPrecondition(condition: .onQueue(queue))
        var fresh: [String: ServiceRuntime] = [:]
        for target in loaded.config.targets {
            guard let recovery = target.recovery else { continue }
            if let existing = services[target.name], existing.config == recovery {
                fresh[target.name] = existing
                continue
            }
            let name = target.name
            let service = ServiceRuntime(owner: name, config: recovery, queue: queue) { @Sendable [weak self] in
                self?.serviceTimerFired(name)
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
        var granted = recoveryLimiter.setLimit(loaded.config.daemon.concurrentRecoveries)
        for name in recoveryLimiter.running.union(recoveryLimiter.waiting) where services[name] == nil {
            granted += recoveryLimiter.finish(name)
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
    }

    /// Whether a target runs when it is added: a standby waits for a failover to promote it.
    func startsWhenAdded(_ name: String) -> Bool {
        guard let owner = serviceOf[name], let service = services[owner] else { return true }
        return service.roles.active == name
    }

    func serviceTimerFired(_ owner: String) {
        guard let service = services[owner] else { return }
        performLadder(service.ladder.timerFired(now: MonotonicClock.now()), for: service)
        afterChange()
    }

    // MARK: - Verdicts and outcomes, after every change

    /// Feeds each service's ladder the verdict of its active member when it changes, and reports the outcomes of
    /// the operations that have completed. Runs from `afterChange`.
    func settleServices() {
        for _ in 0..<8 {
            var progressed = false
            for owner in services.keys.sorted() {
                guard let service = services[owner] else { continue }
                progressed = settlePending(service) || progressed
                progressed = feedVerdict(service) || progressed
                progressed = releaseRecoverySlot(service) || progressed
            }
            if !progressed { break }
        }
    }

    @discardableResult
    private func feedVerdict(_ service: ServiceRuntime) -> Bool {
        guard let runtime = targets[service.roles.active] else { return false }
        let now = MonotonicClock.now()
        switch runtime.machine.state {
        case .running:
            guard !service.reportedHealthy else { return false }
            service.reportedHealthy = true
            performLadder(service.ladder.verdict(.healthy, now: now), for: service)
            return true
        case .finished(let status):
            guard service.reportedHealthy || service.ladder.verdict == nil || service.ladder.verdict == .healthy
            else { return false }
            let evidence = evidenceText(runtime.name) ?? "ended with \(status)"
            guard recoverySlot(for: service, evidence: evidence, now: now) else { return false }
            service.reportedHealthy = false
            performLadder(service.ladder.verdict(.failed(evidence: evidence), now: now), for: service)
            return true
        default:
            return false
        }
    }

    /// Whether the service's failure may start its ladder now: always while its ladder is already acting or in
    /// maintenance (nothing new starts), otherwise when the limiter grants a slot. A refusal queues the service,
    /// once, with a `recovery-queued` event.
    private func recoverySlot(for service: ServiceRuntime, evidence: String, now: MonotonicInstant) -> Bool {
        guard service.ladder.phase == .watching, !service.ladder.maintenance, !maintenance else { return true }
        if recoveryLimiter.request(service.owner, priority: service.config.priority) {
            service.queuedSince = nil
            return true
        }
        guard service.queuedSince == nil else { return false }
        service.queuedSince = now
        let position = recoveryLimiter.position(of: service.owner) ?? 0
        let running = recoveryLimiter.running.sorted()
        record(
            Event(
                kind: .recoveryQueued,
                target: service.owner,
                message: "\(service.owner): recovery waits (place \(position)): "
                    + "\(running.count) recoveries under way (\(running.joined(separator: ", ")))",
                fields: [
                    "EVIDENCE": evidence,
                    "POSITION": String(position),
                    "RUNNING": String(running.count),
                    "PRIORITY": String(service.config.priority),
                ],
                time: now
            )
        )
        return false
    }

    /// Gives the service's recovery slot back once its ladder rests (verified, failed or fenced), and lets the
    /// next waiting services start theirs. Returns whether a waiting service was granted one.
    private func releaseRecoverySlot(_ service: ServiceRuntime) -> Bool {
        guard recoveryLimiter.running.contains(service.owner) else { return false }
        switch service.ladder.phase {
        case .acting, .verifying:
            return false
        case .watching, .failed, .fenced:
            break
        }
        let granted = recoveryLimiter.finish(service.owner)
        for name in granted {
            services[name]?.queuedSince = nil
        }
        return !granted.isEmpty
    }

    /// Reports the operations that completed. Returns whether any did.
    private func settlePending(_ service: ServiceRuntime) -> Bool {
        let now = MonotonicClock.now()
        var progressed = false
        for (name, operation) in service.pending {
            guard let runtime = targets[name] else {
                service.pending[name] = nil
                report(.failed(reason: "\(name) is no longer configured"), of: operation, in: service)
                progressed = true
                continue
            }
            let down = runtime.machine.isDown && !runtime.hasInstance
            switch (operation, runtime.machine.state) {
            case (.ladderStart, .starting), (.ladderStart, .running), (.failoverPromote, .starting),
                (.failoverPromote, .running):
                service.pending[name] = nil
                report(.succeeded, of: operation, in: service)
            case (.ladderStart, .finished), (.failoverPromote, .finished), (.ladderStart, .failed),
                (.failoverPromote, .failed):
                service.pending[name] = nil
                let reason = evidenceText(name) ?? "did not start"
                report(.failed(reason: reason), of: operation, in: service)
            case (.ladderStop(let sequence, let thenStart), _) where down:
                if thenStart {
                    service.pending[name] = .ladderStart(sequence: sequence)
                    perform(runtime.machine.start(now: now), for: runtime)
                } else {
                    service.pending[name] = nil
                    report(.succeeded, of: operation, in: service)
                }
            case (.failoverFence, _) where down:
                service.pending[name] = nil
                report(.succeeded, of: operation, in: service)
            default:
                continue
            }
            progressed = true
        }
        return progressed
    }

    /// Hands an outcome to the ladder or the failover the operation belongs to.
    private func report(
        _ outcome: RecoveryOutcome,
        of operation: ServiceRuntime.PendingOperation,
        in service: ServiceRuntime
    ) {
        let now = MonotonicClock.now()
        switch operation {
        case .ladderStart(let sequence), .ladderStop(let sequence, _), .ladderHook(let sequence):
            performLadder(service.ladder.outcome(outcome, sequence: sequence, now: now), for: service)
        case .failoverFence(let sequence), .failoverPromote(let sequence), .failoverHook(let sequence):
            performFailover(service.failover?.outcome(outcome, sequence: sequence, now: now) ?? [], for: service)
        }
    }

    /// The last event of a target, without the `name: ` its messages start with, as evidence.
    func evidenceText(_ name: String) -> String? {
        guard let message = lastEvents[name]?.message else { return nil }
        let prefix = name + ": "
        return message.hasPrefix(prefix) ? String(message.dropFirst(prefix.count)) : message
    }

    // MARK: - The ladder's actions

    func performLadder(_ actions: [RecoveryAction], for service: ServiceRuntime) {
        let now = MonotonicClock.now()
        for action in actions {
            switch action {
            case .perform(let step, let sequence, _):
                perform(step, sequence: sequence, for: service)
            case .cancel(let sequence):
                service.pending = service.pending.filter { $0.value.ladderSequence != sequence }
                if let hook = service.hook, hook.operation.ladderSequence == sequence {
                    cancelHook(hook.run, in: service)
                }
                if service.failoverLadderSequence == sequence {
                    // A failover is never stopped halfway; its roles are applied when it ends.
                    service.failoverLadderSequence = nil
                }
            case .resetDetectors:
                if let runtime = targets[service.roles.active] {
                    runtime.detectors = runtime.config.checks.map(CheckDetector.init)
                    heartbeatProcessChanged(runtime, now: now)
                }
                service.reportedHealthy = false
            case .armTimer(let instant):
                service.arm(at: instant, now: now)
            case .disarmTimer:
                service.disarm()
            case .emit(let event):
                record(event)
            }
        }
    }

    private func perform(_ step: RecoveryStep, sequence: Int, for service: ServiceRuntime) {
        let now = MonotonicClock.now()
        let active = service.roles.active
        guard let runtime = targets[active] else {
            performLadder(
                service.ladder.outcome(.failed(reason: "\(active) is not configured"), sequence: sequence, now: now),
                for: service
            )
            return
        }
        switch step {
        case .restart, .fence:
            let start = step == .restart
            if start, runtime.machine.isDown, let refused = admission(of: service, for: active, now: now) {
                performLadder(
                    service.ladder.outcome(.failed(reason: "not admitted: \(refused)"), sequence: sequence, now: now),
                    for: service
                )
                return
            }
            if runtime.machine.isDown && !runtime.hasProcess {
                if start {
                    service.pending[active] = .ladderStart(sequence: sequence)
                    perform(runtime.machine.start(now: now), for: runtime)
                } else {
                    performLadder(service.ladder.outcome(.succeeded, sequence: sequence, now: now), for: service)
                }
            } else {
                service.pending[active] = .ladderStop(sequence: sequence, thenStart: start)
                let reason = start ? "recovery: restart" : "recovery: fence"
                perform(runtime.machine.stop(now: now, reason: reason), for: runtime)
            }
        case .failover:
            guard service.failover != nil else {
                performLadder(
                    service.ladder.outcome(.failed(reason: "no standbys"), sequence: sequence, now: now),
                    for: service
                )
                return
            }
            service.failoverLadderSequence = sequence
            let trigger = evidenceText(active) ?? "recovery ladder"
            performFailover(
                service.failover?.start(candidates: candidates(for: service, only: nil), trigger: trigger, now: now)
                    ?? [],
                for: service
            )
        case .revert where runtime.config.domain != nil:
            revertDomain(runtime, sequence: sequence, in: service)
        case .revert:
            let reason =
                "revert needs a vm target driven by libvirt (domain = \"NAME\", with snapshots); \(active) is a "
                + "\(runtime.config.kind.rawValue) target"
            performLadder(service.ladder.outcome(.failed(reason: reason), sequence: sequence, now: now), for: service)
        case .exec(let name):
            runHook(name, in: service, operation: .ladderHook(sequence: sequence), extra: [:])
        }
    }

    // MARK: - Failover

    /// The host's free memory and idle CPU now, for admission control; `nil` when they cannot be read.
    func hostResources() -> AdmissionControl.HostResources? {
        guard let memory = try? hostSampler?.reader.memInfo(), let available = memory.available else { return nil }
        let cores = Double(max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        let busy = hostSampler?.cpuUsage?.busy ?? 0
        return AdmissionControl.HostResources(
            availableMemory: available,
            totalMemory: memory.total,
            idleCPU: cores * (1 - busy)
        )
    }

    /// Whether the service's reservation fits on this host now; a refusal is recorded as an event.
    func admission(of service: ServiceRuntime, for target: String, now: MonotonicInstant) -> String? {
        guard !service.config.reservation.isEmpty, let host = hostResources() else { return nil }
        guard case .refused(let reason) = AdmissionControl.decide(service.config.reservation, on: host) else {
            return nil
        }
        record(
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
    func candidates(for service: ServiceRuntime, only chosen: String?) -> [StandbyCandidate] {
        let pressure = hostSampler?.pressure?.memory?.some.avg10
        let refusal = admission(of: service, for: service.owner, now: MonotonicClock.now())
        return service.roles.standbys.map { name in
            let runtime = targets[name]
            var failed = false
            if case .failed = runtime?.machine.state {
                failed = true
            }
            return StandbyCandidate(
                name: name,
                failed: failed || runtime == nil,
                maintenance: maintenance || (runtime?.maintenance ?? false),
                refusal: chosen.flatMap { $0 == name ? nil : "not the standby the operator chose (\($0))" } ?? refusal,
                pressure: pressure
            )
        }
    }

    func performFailover(_ actions: [FailoverAction], for service: ServiceRuntime) {
        let now = MonotonicClock.now()
        // New roles reach the disk before the event that announces them: whoever reads the event and kills vigild
        // must find them there.
        for case .finished(.completed(let roles)) in actions {
            service.roles = roles
            persistStateNow()
        }
        for action in actions {
            switch action {
            case .fence(let target, let sequence):
                guard let runtime = targets[target] else {
                    performFailover(
                        service.failover?.outcome(.failed(reason: "no target \(target)"), sequence: sequence, now: now)
                            ?? [],
                        for: service
                    )
                    continue
                }
                service.pending[target] = .failoverFence(sequence: sequence)
                perform(runtime.machine.stop(now: now, reason: "fenced for failover"), for: runtime)
            case .checkStatus(let target, let sequence):
                performFailover(
                    service.failover?.status(activity(of: target), sequence: sequence, now: now) ?? [],
                    for: service
                )
            case .promote(let target, let sequence):
                guard let runtime = targets[target] else {
                    performFailover(
                        service.failover?.outcome(.failed(reason: "no target \(target)"), sequence: sequence, now: now)
                            ?? [],
                        for: service
                    )
                    continue
                }
                service.pending[target] = .failoverPromote(sequence: sequence)
                perform(runtime.machine.start(now: now), for: runtime)
            case .runHook(let name, let primary, let standby, let sequence):
                runHook(
                    name,
                    in: service,
                    operation: .failoverHook(sequence: sequence),
                    extra: ["VIGIL_PRIMARY": primary, "VIGIL_STANDBY": standby]
                )
            case .emit(let event):
                record(event)
            case .finished(.completed(let roles)):
                service.roles = roles
                service.reportedHealthy = false
                persistStateNow()
                if let sequence = service.failoverLadderSequence {
                    service.failoverLadderSequence = nil
                    performLadder(service.ladder.outcome(.succeeded, sequence: sequence, now: now), for: service)
                }
            case .finished(.aborted(let reason)):
                if let hook = service.hook, case .failoverHook = hook.operation {
                    cancelHook(hook.run, in: service)
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

    /// Whether a target runs, as a failover must know before promoting anyone.
    func activity(of name: String) -> TargetActivity {
        guard let runtime = targets[name] else { return .unknown(reason: "\(name) is not configured") }
        if runtime.hasInstance {
            return .active
        }
        switch runtime.machine.state {
        case .idle, .finished, .failed, .waiting:
            return .inactive
        case .spawning, .backingOff:
            return .unknown(reason: "\(name) is \(runtime.machine.state.word)")
        default:
            return .active
        }
    }

    /// `vigilctl failover T [--to S]`: starts a failover of T's service now.
    func requestFailover(of name: String, to chosen: String?, by who: String) -> ControlResponse {
        guard let owner = serviceOf[name], let service = services[owner], service.failover != nil else {
            return .failure("\(name) has no standbys to fail over to")
        }
        if let chosen, !service.roles.standbys.contains(chosen) {
            let standbys = service.roles.standbys.joined(separator: ", ")
            return .failure("\(chosen) is not a standby of \(owner) (standbys now: \(standbys))")
        }
        if service.failover?.progress.isUnderWay == true {
            return .failure("a failover of \(owner) is already under way")
        }
        let now = MonotonicClock.now()
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

    // MARK: - Hooks

    /// Runs hook `name` of the service's `hooks`, reporting its end to `operation`: in a process group of its own,
    /// its stdout and stderr captured (the last lines go into the step's outcome), killed when the step is
    /// cancelled or, at the latest, when the action timeout is up.
    private func runHook(
        _ name: String,
        in service: ServiceRuntime,
        operation: ServiceRuntime.PendingOperation,
        extra: [String: String]
    ) {
        guard let argv = service.config.hooks[name], let program = argv.first, program.hasPrefix("/") else {
            report(
                .failed(reason: "hook \(name) is not defined with an absolute program path"),
                of: operation,
                in: service
            )
            return
        }
        var environment = ProcessEnvironment.current()
        environment["VIGIL_TARGET"] = service.roles.active
        environment["VIGIL_SERVICE"] = service.owner
        environment["VIGIL_HOOK"] = name
        for (key, value) in extra {
            environment[key] = value
        }
        let command = HookCommand(
            arguments: argv,
            environment: environment.keys.sorted().map { "\($0)=\(environment[$0]!)" }
        )
        if let previous = service.hook {
            cancelHook(previous.run, in: service)
        }
        service.hookCount += 1
        let id = service.hookCount
        let owner = service.owner
        let queue = queue
        let run = HookRun.start(command, timeout: service.config.actionTimeout) { @Sendable [weak self] result in
            guard let engine = self else { return }
            queue.async { @Sendable in engine.hookEnded(owner: owner, id: id, name: name, result: result) }
        }
        service.hook = (run, id, operation)
    }

    /// Kills a hook whose step was cancelled, with everything in its process group; its result no longer counts.
    private func cancelHook(_ run: ActuatorCancellation, in service: ServiceRuntime) {
        service.hook = nil
        run.cancel()
    }

    private func hookEnded(owner: String, id: Int, name: String, result: Result<HookRun.Result, SpawnError>) {
        guard let service = services[owner], let hook = service.hook, hook.id == id else { return }
        service.hook = nil
        let outcome: RecoveryOutcome
        switch result {
        case .failure(let error):
            outcome = .failed(reason: "hook \(name): \(error)")
        case .success(let run) where run.status.isSuccess && run.ending == .finished:
            outcome = .succeeded
        case .success(let run):
            let ended = run.ending == .timedOut ? "overran its time and was killed" : "ended with \(run.status)"
            let lines = run.output.text.split(separator: "\n").suffix(3).joined(separator: " | ")
            outcome = .failed(reason: "hook \(name) \(ended)" + (lines.isEmpty ? "" : ": \(lines.prefix(300))"))
        }
        report(outcome, of: hook.operation, in: service)
        afterChange()
    }
}
