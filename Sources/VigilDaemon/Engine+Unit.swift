import Dispatch
import VigilCore
import VigilLinux

/// `service` targets: systemd units driven over D-Bus by the systemd actuator (StartUnit to start, StopUnit to
/// stop, KillUnit for a fault) and watched through their `ActiveState`, event-driven.
extension Engine {
    /// The actuators' shared context: outcomes on the engine queue, one bus connection.
    func actuatorContext() -> ActuatorContext {
        if let context = actuators {
            return context
        }
        let address: SystemdBusAddress = loaded.config.daemon.systemdBus.map { .bus($0) } ?? .system
        let context = ActuatorContext(completionQueue: queue, busAddress: address)
        actuators = context
        return context
    }

    /// The systemd actuator of a service target's unit; `nil` for other kinds.
    private func unitActuator(_ runtime: TargetRuntime) -> SystemdActuator? {
        runtime.config.unit.map { SystemdActuator(target: runtime.name, unit: $0, context: actuatorContext()) }
    }

    /// Starts watching a service target's unit (when it is added).
    func watchUnit(_ runtime: TargetRuntime) {
        guard let actuator = unitActuator(runtime) else { return }
        let unit = actuator.unit
        let name = runtime.name
        do {
            runtime.unitWatcher = try actuator.watch(queue: queue) { @Sendable [weak self] event in
                self?.unitChanged(target: name, event: event)
            }
        } catch {
            logger.error(
                "\(name): cannot watch \(unit): \(error); retrying in 5s",
                metadata: ["VIGIL_TARGET": "\(name)", "VIGIL_ERROR": "\(error)"]
            )
            queue.asyncAfter(deadline: .now() + 5) { @Sendable [weak self] in
                guard let self, let runtime = self.targets[name], runtime.unitWatcher == nil else { return }
                self.watchUnit(runtime)
            }
        }
    }

    /// The state machine's `spawn` for a unit: adopt it if it is active, else `StartUnit` and wait for the watcher
    /// to see it active.
    func startUnit(_ runtime: TargetRuntime) {
        guard let actuator = unitActuator(runtime) else { return }
        let now = MonotonicClock.now()
        if runtime.actuatedState?.phase == .active {
            unitUp(runtime, now: now, adopted: true)
            return
        }
        let name = runtime.name
        runtime.operation = actuator.perform(.start, timeout: runtime.config.startTimeout) {
            @Sendable [weak self] outcome in
            self?.unitStarted(target: name, outcome: outcome)
        }
    }

    private func unitStarted(target name: String, outcome: ActuatorOutcome) {
        guard let runtime = targets[name] else { return }
        runtime.operation = nil
        guard case .spawning = runtime.machine.state else { return }
        let now = MonotonicClock.now()
        switch outcome {
        case .succeeded:
            unitUp(runtime, now: now)
        default:
            perform(runtime.machine.spawnFailed(reason: "\(outcome)", now: now), for: runtime)
        }
        afterChange()
    }

    /// The unit runs: the state machine's instance is the unit's `MainPID` as systemd reports it over the bus
    /// (in the PID namespace of that systemd), else the first process of its cgroup where vigild can find it, else 0
    /// (a unit without a main process, such as a target or a `RemainAfterExit` oneshot).
    /// - Parameter adopted: the unit was active before vigild asked (`target-adopted`).
    private func unitUp(_ runtime: TargetRuntime, now: MonotonicInstant, adopted: Bool = false) {
        guard case .spawning = runtime.machine.state, !runtime.unitAwaitsMainPID else { return }
        guard let actuator = unitActuator(runtime), actuator.unit.hasSuffix(".service") else {
            unitRunning(runtime, mainPID: nil, adopted: adopted)
            return
        }
        runtime.unitAwaitsMainPID = true
        let name = runtime.name
        actuator.mainPID { @Sendable [weak self] result in
            guard let self, let runtime = self.targets[name] else { return }
            runtime.unitAwaitsMainPID = false
            guard case .spawning = runtime.machine.state else { return }
            if let state = runtime.actuatedState, state.isDown {
                // It went down between becoming active and the answer: the start did not hold.
                let reason =
                    "\(actuator.unit) went \(state.raw.isEmpty ? state.phase.rawValue : state.raw) as it started"
                self.perform(runtime.machine.spawnFailed(reason: reason, now: MonotonicClock.now()), for: runtime)
                self.afterChange()
                return
            }
            switch result {
            case .success(let pid):
                self.unitRunning(runtime, mainPID: pid > 0 ? pid : nil, adopted: adopted)
            case .failure(let error):
                self.logger.warning(
                    "\(name): cannot read MainPID of \(actuator.unit): \(error)",
                    metadata: ["VIGIL_TARGET": "\(name)"]
                )
                self.unitRunning(runtime, mainPID: nil, adopted: adopted)
            }
            self.afterChange()
        }
    }

    private func unitRunning(_ runtime: TargetRuntime, mainPID: Int32?, adopted: Bool) {
        var pid = mainPID ?? 0
        if pid == 0, let locator = cgroupLocator, let unit = runtime.config.unit {
            pid = CgroupControl.processes(in: locator.locate("/system.slice/" + unit)).first ?? 0
        }
        runtime.actuatedPID = pid
        perform(runtime.machine.spawned(pid: pid, now: MonotonicClock.now(), adopted: adopted), for: runtime)
    }

    /// What the watcher saw: the unit became active, or went down (inactive or failed), or the bus was lost.
    func unitChanged(target name: String, event: SystemdUnitWatcher.Event) {
        guard let runtime = targets[name] else { return }
        let now = MonotonicClock.now()
        switch event {
        case .state(let state):
            runtime.actuatedState = state
            if state.phase == .active {
                if case .spawning = runtime.machine.state, runtime.operation == nil {
                    unitUp(runtime, now: now)
                }
            } else if state.isDown, let pid = runtime.actuatedPID, runtime.machine.state.pid == pid {
                runtime.actuatedPID = nil
                let cause = "unit \(state.raw.isEmpty ? state.phase.rawValue : state.raw)"
                perform(runtime.machine.exited(pid: pid, status: .lost(cause: cause), now: now), for: runtime)
            }
        case .lost(let error):
            runtime.unitWatcher = nil
            logger.warning(
                "\(name): lost the bus watching \(runtime.config.unit ?? "?"): \(error); watching again",
                metadata: ["VIGIL_TARGET": "\(name)"]
            )
            actuators = nil
            queue.asyncAfter(deadline: .now() + 1) { @Sendable [weak self] in
                guard let self, let runtime = self.targets[name], runtime.unitWatcher == nil else { return }
                self.watchUnit(runtime)
            }
        }
        afterChange()
    }

    /// A signal for a unit: its stop (the state machine stops it) is `StopUnit`; a fault's `SIGKILL` is `KillUnit`.
    func signalUnit(_ runtime: TargetRuntime, _ signal: VigilCore.Signal) {
        guard let actuator = unitActuator(runtime) else { return }
        let unit = actuator.unit
        let operation: ActuatorOperation
        if case .stopping = runtime.machine.state, signal == runtime.config.stopSignal {
            operation = .stop
        } else {
            operation = .kill(signal)
        }
        let name = runtime.name
        runtime.operation = actuator.perform(operation, timeout: runtime.config.stopTimeout) {
            @Sendable [weak self] outcome in
            guard let self, let runtime = self.targets[name] else { return }
            runtime.operation = nil
            if case .succeeded = outcome {
                return
            }
            self.logger.warning(
                "\(name): \(operation) of \(unit) did not succeed: \(outcome)",
                metadata: ["VIGIL_TARGET": "\(name)"]
            )
        }
    }
}
