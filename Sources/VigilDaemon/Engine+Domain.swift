import Dispatch
import VigilCore
import VigilLinux

/// `vm` targets driven through libvirt (`domain = "NAME"`): started, shut down, destroyed and reverted by the
/// libvirt actuator (`virsh -c URI`), and watched through libvirt's lifecycle events by a `LibvirtDomainWatcher`.
/// Liveness comes from libvirt alone; a `machine` scope, when configured, only gives the checks their figures.
extension Engine {
    /// A revert of the domain under way: its stop and start of the domain are not a death. It is over once the
    /// actuator has answered and the watcher has seen the domain running again (or 5 s after the answer).
    struct DomainRevert {
        var answered = false
        var sawRunning = false
    }

    /// The libvirt actuator of a domain target; `nil` for other targets and when `virsh` is not in `PATH`.
    func domainActuator(_ runtime: TargetRuntime) -> LibvirtActuator? {
        guard let domain = runtime.config.domain else { return nil }
        let context = actuatorContext()
        guard let virsh = HookCommand.resolve("virsh", path: context.searchPath) else { return nil }
        return LibvirtActuator(
            target: runtime.name,
            domain: domain.name,
            uri: domain.uri,
            virsh: virsh,
            shutdownTimeout: domain.shutdownTimeout,
            context: context
        )
    }

    private func virshMissing(_ runtime: TargetRuntime) -> String {
        "virsh not found in PATH (install libvirt-clients) for domain \(runtime.config.domain?.name ?? "?")"
    }

    /// Starts following a domain target's lifecycle events (when it is added).
    func watchDomain(_ runtime: TargetRuntime) {
        guard runtime.config.domain != nil else { return }
        guard let actuator = domainActuator(runtime) else {
            logger.error("\(runtime.name): \(virshMissing(runtime))", metadata: ["VIGIL_TARGET": "\(runtime.name)"])
            return
        }
        let name = runtime.name
        runtime.domainWatcher = actuator.watch(queue: queue) { @Sendable [weak self] event in
            self?.domainChanged(target: name, event: event)
        }
    }

    /// The state machine's `spawn` for a domain: adopt it if it runs (or is paused), else `virsh start` it. A
    /// domain the watcher has not reported yet is started too: `start` takes one already running as started.
    func startDomain(_ runtime: TargetRuntime) {
        let now = MonotonicClock.now()
        guard let actuator = domainActuator(runtime) else {
            perform(runtime.machine.spawnFailed(reason: virshMissing(runtime), now: now), for: runtime)
            return
        }
        if let phase = runtime.actuatedState?.phase, phase == .active || phase == .suspended {
            // Running before its first start: adopted. After a failure it is a revert's (or the ladder's) work.
            domainUp(runtime, now: now, adopted: !runtime.machine.hasVerdict)
            return
        }
        guard runtime.operation == nil else { return }
        let name = runtime.name
        runtime.operation = actuator.perform(.start, timeout: runtime.config.startTimeout) {
            @Sendable [weak self] outcome in
            self?.domainStarted(target: name, outcome: outcome)
        }
    }

    private func domainStarted(target name: String, outcome: ActuatorOutcome) {
        guard let runtime = targets[name] else { return }
        runtime.operation = nil
        guard case .spawning = runtime.machine.state else { return }
        let now = MonotonicClock.now()
        if case .succeeded(let report) = outcome {
            domainUp(runtime, now: now, adopted: report.alreadyThere && !runtime.machine.hasVerdict)
        } else {
            perform(runtime.machine.spawnFailed(reason: "\(outcome)", now: now), for: runtime)
        }
        afterChange()
    }

    /// The domain runs: the state machine's instance is its scope's first process when `machine` names a scope
    /// vigild finds (the checks read that scope), else 0.
    /// - Parameter adopted: it ran before vigild started it (`target-adopted`).
    private func domainUp(_ runtime: TargetRuntime, now: MonotonicInstant, adopted: Bool = false) {
        guard case .spawning = runtime.machine.state else { return }
        var pid: Int32 = 0
        if runtime.config.machine != nil {
            if runtime.watched == nil {
                attachCgroup(runtime)
            }
            pid = runtime.watched.flatMap { CgroupControl.processes(in: $0.directories).first } ?? 0
        }
        runtime.actuatedPID = pid
        runtime.detectors = runtime.config.checks.map(CheckDetector.init)
        perform(runtime.machine.spawned(pid: pid, now: now, adopted: adopted), for: runtime)
        heartbeatProcessChanged(runtime, now: now)
    }

    /// The domain is gone: the state machine hears of an exit with libvirt's words for it.
    private func domainDown(_ runtime: TargetRuntime, cause: String, now: MonotonicInstant) {
        guard let pid = runtime.actuatedPID, runtime.machine.state.pid == pid else { return }
        runtime.actuatedPID = nil
        detachCgroup(runtime)
        heartbeatProcessChanged(runtime, now: now)
        perform(runtime.machine.exited(pid: pid, status: .lost(cause: cause), now: now), for: runtime)
    }

    /// What the watcher saw: the domain running (or paused), down (shut off, crashed, not defined), or the
    /// watcher's `virsh` ended and the state is unknown until its next one.
    func domainChanged(target name: String, event: LibvirtDomainWatcher.Event) {
        guard let runtime = targets[name] else { return }
        switch event {
        case .state(let state):
            runtime.actuatedState = state
            if state.phase == .active, runtime.domainRevert != nil {
                runtime.domainRevert?.sawRunning = true
                if runtime.domainRevert?.answered == true {
                    runtime.domainRevert = nil
                }
            }
            settleDomain(runtime)
        case .interrupted(let reason, let retryIn):
            runtime.actuatedState = nil
            let domain = runtime.config.domain?.name ?? "?"
            logger.warning(
                "\(name): lost libvirt's events for domain \(domain): \(reason); watching again in \(retryIn.humanReadable)",
                metadata: ["VIGIL_TARGET": "\(name)"]
            )
        }
        afterChange()
    }

    /// Brings the state machine in line with the domain's last known state (outside a revert).
    private func settleDomain(_ runtime: TargetRuntime) {
        guard let state = runtime.actuatedState, runtime.domainRevert == nil else { return }
        let now = MonotonicClock.now()
        if state.phase == .active || state.phase == .suspended {
            if case .spawning = runtime.machine.state, runtime.operation == nil {
                domainUp(runtime, now: now)
            }
        } else if state.isDown {
            domainDown(runtime, cause: "domain \(state)", now: now)
        }
    }

    /// A signal for a domain: the state machine's stop is a shutdown (destroyed after `shutdown_timeout`), `SIGKILL`
    /// (a fault, or a stop that took too long) a `destroy`, `SIGTERM` otherwise a graceful destroy.
    func signalDomain(_ runtime: TargetRuntime, _ signal: VigilCore.Signal) {
        guard let actuator = domainActuator(runtime) else { return }
        let operation: ActuatorOperation
        var timeout = runtime.config.stopTimeout
        if case .stopping = runtime.machine.state, signal == runtime.config.stopSignal {
            operation = .stop
            // The actuator gives the guest at most half of the operation's limit, and the destroy the rest.
            timeout = actuator.shutdownTimeout * 2 + .seconds(10)
        } else {
            operation = .kill(signal)
        }
        let name = runtime.name
        let domain = actuator.domain
        // Not kept: a destroy must not cancel the shutdown it overtakes, and each ends within its own limit.
        actuator.perform(operation, timeout: timeout) { @Sendable [weak self] outcome in
            guard let self, !outcome.succeeded else { return }
            self.logger.warning(
                "\(name): \(operation) of domain \(domain) did not succeed: \(outcome)",
                metadata: ["VIGIL_TARGET": "\(name)"]
            )
        }
    }

    /// The recovery ladder's `revert` for a domain target: `snapshot-revert` to its `snapshot` (the current one
    /// when unset) with the domain running, reported as the step's outcome. A member the state machine had down
    /// is started again (the reverted domain runs, so it is adopted).
    func revertDomain(_ runtime: TargetRuntime, sequence: Int, in service: ServiceRuntime) {
        let now = MonotonicClock.now()
        guard let actuator = domainActuator(runtime) else {
            let outcome = service.ladder.outcome(.failed(reason: virshMissing(runtime)), sequence: sequence, now: now)
            performLadder(outcome, for: service)
            return
        }
        let name = runtime.name
        let owner = service.owner
        runtime.domainRevert = DomainRevert()
        runtime.operation?.cancel()
        runtime.operation = actuator.perform(
            .revert(snapshot: runtime.config.domain?.snapshot),
            timeout: runtime.config.startTimeout
        ) { @Sendable [weak self] outcome in
            self?.domainReverted(target: name, owner: owner, sequence: sequence, outcome: outcome)
        }
    }

    private func domainReverted(target name: String, owner: String, sequence: Int, outcome: ActuatorOutcome) {
        let now = MonotonicClock.now()
        if let runtime = targets[name] {
            runtime.operation = nil
            if case .succeeded = outcome, runtime.domainRevert?.sawRunning == false {
                // The watcher's events of the revert may still be on their way.
                runtime.domainRevert?.answered = true
                queue.asyncAfter(deadline: .now() + 5) { @Sendable [weak self] in
                    guard let self, let runtime = self.targets[name], runtime.domainRevert != nil else { return }
                    runtime.domainRevert = nil
                    self.settleDomain(runtime)
                    self.afterChange()
                }
            } else {
                runtime.domainRevert = nil
            }
            if case .succeeded = outcome, runtime.machine.isDown {
                perform(runtime.machine.start(now: now), for: runtime)
            }
            settleDomain(runtime)
        }
        if let service = services[owner] {
            let result: RecoveryOutcome =
                switch outcome {
                case .succeeded: .succeeded
                case .timedOut: .timedOut
                default: .failed(reason: "\(outcome)")
                }
            performLadder(service.ladder.outcome(result, sequence: sequence, now: now), for: service)
        }
        afterChange()
    }
}
