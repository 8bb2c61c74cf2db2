import VigilCore
import VigilLinux

/// The recovery ladder's `reset` step for a domain: `virsh reset` reboots the guest inside the QEMU process that
/// runs it, which is cheaper than destroying the domain and starting it (no new process, no new devices, the
/// channel's socket stays connected). For it to have something to reset, a guest convicted (its heartbeats, its
/// watchdog) while its ladder's next step is `reset` is given up as an instance but its domain is left running.
extension DomainDriver {
    /// A fault's `SIGKILL`: when the ladder's next step is `reset`, the convicted guest's domain is not destroyed.
    /// The state machine hears that the instance ended (so the ladder hears the failure), and the domain waits for
    /// the step.
    /// - Returns: whether the domain is kept (the `destroy` is not to be done).
    func keepForReset() -> Bool {
        guard case .recovering = supervisor.machine.state, state?.phase == .active,
            engine.recovery.nextStep(of: name) == .reset
        else { return false }
        keptForReset = true
        let domain = config.domain?.name ?? "?"
        engine.logger.notice(
            "\(name): domain \(domain) left running for the recovery ladder's reset",
            metadata: ["VIGIL_TARGET": "\(name)", "VIGIL_DOMAIN": "\(domain)"]
        )
        down(cause: "convicted; domain \(domain) left running for the ladder's reset", now: engine.now)
        return true
    }

    /// The ladder's `reset`: `virsh reset` of the running domain, reported as the step's outcome. The guest then
    /// boots again in the same domain; with a heartbeat channel the target counts as started once that guest has
    /// heartbeated, so the step holds only once the guest itself runs again.
    func reset(sequence: Int, completion: @escaping (RecoveryOutcome) -> Void) -> String? {
        guard let actuator else { return virshMissing }
        let domain = config.domain?.name ?? "?"
        guard let state, state.phase == .active else {
            let seen = state.map { "\($0)" } ?? "its state is not known"
            return "domain \(domain) is not running (\(seen)): there is nothing to reset"
        }
        resetInProgress = completion
        operation?.cancel()
        operation = actuator.perform(.reset, timeout: config.startTimeout) { @Sendable [weak engine, name] outcome in
            engine?.handle(.target(name, .driver(.domainReset(sequence: sequence, outcome: outcome))))
        }
        return nil
    }

    /// `virsh reset` ended: on success the guest boots again, and a target the state machine had down is started
    /// (the domain runs, so the start finds it and waits for its guest's first heartbeat).
    func resetEnded(_ outcome: ActuatorOutcome) {
        operation = nil
        let completion = resetInProgress
        resetInProgress = nil
        if case .succeeded = outcome {
            keptForReset = false
            guestRestarted()
            if supervisor.machine.isDown {
                supervisor.perform(supervisor.machine.start(now: engine.now))
            }
        }
        let result: RecoveryOutcome =
            switch outcome {
            case .succeeded: .succeeded
            case .timedOut: .timedOut
            default: .failed(reason: "\(outcome)")
            }
        completion?(result)
    }

    /// A start while the hung guest left for a reset still runs (the reset failed or did not hold, and another
    /// step starts the domain): it is destroyed first.
    func destroyKept(through actuator: LibvirtActuator) {
        operation = actuator.perform(.kill(.kill), timeout: config.stopTimeout) {
            @Sendable [weak engine, name] outcome in
            engine?.handle(.target(name, .driver(.hungDomainDestroyed(outcome))))
        }
    }

    func keptDestroyed(_ outcome: ActuatorOutcome) {
        operation = nil
        guard supervisor.isSpawning else { return }
        guard outcome.succeeded, let actuator else {
            supervisor.startFailed("the hung domain left for a reset could not be destroyed: \(outcome)")
            return
        }
        keptForReset = false
        guestRestarted()
        operation = startThrough(actuator)
    }
}
