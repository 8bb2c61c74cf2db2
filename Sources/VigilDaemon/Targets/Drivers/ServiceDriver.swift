import Dispatch
import VigilCore
import VigilLinux

/// `service` targets: systemd units driven over D-Bus by the systemd actuator (StartUnit to start, StopUnit to
/// stop, KillUnit for a fault) and watched through their `ActiveState`, event-driven. Stopping vigild leaves the
/// unit running. A member of a hot-standby group is given its role before each start by a runtime drop-in
/// (`UnitRoleDropIn`: `VIGIL_ROLE` in the unit's environment), and its `promote_signal` goes to its main process.
/// Confined to the engine queue.
final class ServiceDriver: TargetDriver {
    weak var supervisor: TargetSupervisor!
    private var watcher: SystemdUnitWatcher?
    /// The unit's state as the watcher last reported it.
    private var state: ActuatorTargetState?
    /// The PID the state machine knows the running unit by: its `MainPID`, else its cgroup's first process, else 0.
    private var instancePID: Int32?
    /// The job under way (StartUnit, StopUnit, KillUnit).
    private var operation: ActuatorCancellation?
    /// A `MainPID` read is under way for a unit that became active.
    private var awaitsMainPID = false
    /// The unit was active before vigild asked for it (`target-adopted`).
    private var foundActive = false
    /// A start waits for the unit's role drop-in to be written and loaded.
    private var awaitsRole = false
    /// A promotion's signal to the main process, whose sending the recovery coordinator waits for.
    private var promotion: ((RecoveryOutcome) -> Void)?

    init() {}

    var hasInstance: Bool { instancePID != nil }
    var holdsProcess: Bool { false }
    var stopsWithVigild: Bool { false }

    private var actuator: SystemdActuator? {
        config.unit.map { SystemdActuator(target: name, unit: $0, context: engine.targets.actuatorContext()) }
    }

    /// Starts watching the unit (when the target is added, and again after the bus was lost).
    func attach() {
        guard let actuator else { return }
        do {
            watcher = try actuator.watch(queue: engine.queue) { @Sendable [weak engine, name] event in
                engine?.handle(.target(name, .driver(.unitChanged(event))))
            }
        } catch {
            engine.logger.error(
                "\(name): cannot watch \(actuator.unit): \(error); retrying in 5s",
                metadata: ["VIGIL_TARGET": "\(name)", "VIGIL_ERROR": "\(error)"]
            )
            engine.after(.seconds(5), post: .target(name, .driver(.rewatchUnit)))
        }
    }

    /// Adopts the unit if it is active, else `StartUnit` (after giving a hot-standby member its role) and waits for
    /// the watcher to see it active.
    func start() {
        guard let actuator else { return }
        if state?.phase == .active {
            foundActive = true
            up()
            return
        }
        foundActive = false
        if giveRole(through: actuator) {
            awaitsRole = true
            return
        }
        operation = startThrough(actuator)
    }

    /// Writes the role drop-in of a hot-standby member for the role it starts in now (`false`: not a member).
    private func giveRole(through actuator: SystemdActuator) -> Bool {
        guard let role = engine.recovery.unitRole(of: name) else { return false }
        let text = UnitRoleDropIn.text(role: role.role, target: name, service: role.service)
        let path = UnitRoleDropIn.path(
            unit: actuator.unit,
            directory: engine.loaded.config.daemon.systemdDropInDirectory
        )
        actuator.writeDropIn(text, at: path, timeout: config.startTimeout) { @Sendable [weak engine, name] result in
            engine?.handle(.target(name, .driver(.unitRoleWritten(result))))
        }
        return true
    }

    /// The role drop-in was written (and loaded) for a start: the start goes on, or fails saying why.
    private func roleWritten(_ result: Result<Bool, SystemdBusError>) {
        guard awaitsRole else {
            if case .failure(let error) = result {
                engine.logger.warning(
                    "\(name): cannot bring the role drop-in of \(config.unit ?? "?") up to date: \(error)",
                    metadata: ["VIGIL_TARGET": "\(name)"]
                )
            }
            return
        }
        awaitsRole = false
        guard supervisor.isSpawning, let actuator else { return }
        switch result {
        case .success:
            operation = startThrough(actuator)
        case .failure(let error):
            supervisor.startFailed("cannot give \(actuator.unit) its role: \(error)")
        }
    }

    /// A promotion completed while the unit runs: its drop-in says its new role, for systemd's own restarts of it.
    func roleChanged() {
        guard !awaitsRole, let actuator else { return }
        _ = giveRole(through: actuator)
    }

    /// `promote_signal`: `KillUnit` to the unit's main process.
    func signalForPromotion(_ signal: VigilCore.Signal, completion: @escaping (RecoveryOutcome) -> Void) {
        guard let actuator else {
            completion(.failed(reason: "\(name) has no unit"))
            return
        }
        promotion = completion
        actuator.signalMainProcess(signal, timeout: config.stopTimeout) { @Sendable [weak engine, name] outcome in
            engine?.handle(.target(name, .driver(.unitPromotionSignalled(outcome))))
        }
    }

    func handle(_ event: DriverEvent) {
        switch event {
        case .started(let outcome):
            operation = nil
            startEnded(outcome) { up() }
        case .unitMainPID(let result):
            mainPIDRead(result)
        case .unitChanged(let event):
            changed(event)
        case .rewatchUnit:
            if watcher == nil {
                attach()
            }
        case .unitRoleWritten(let result):
            roleWritten(result)
        case .unitPromotionSignalled(let outcome):
            let completion = promotion
            promotion = nil
            completion?(RecoveryOutcome(outcome))
        case .unitSignalled(let operation, let outcome):
            self.operation = nil
            if case .succeeded = outcome {
                return
            }
            engine.logger.warning(
                "\(name): \(operation) of \(config.unit ?? "?") did not succeed: \(outcome)",
                metadata: ["VIGIL_TARGET": "\(name)"]
            )
        default:
            break
        }
    }

    /// The unit runs: the state machine's instance is the unit's `MainPID` as systemd reports it over the bus
    /// (in the PID namespace of that systemd), else the first process of its cgroup where vigild can find it, else 0
    /// (a unit without a main process, such as a target or a `RemainAfterExit` oneshot).
    private func up() {
        guard supervisor.isSpawning, !awaitsMainPID else { return }
        guard let actuator, actuator.unit.hasSuffix(".service") else {
            running(mainPID: nil)
            return
        }
        awaitsMainPID = true
        actuator.mainPID { @Sendable [weak engine, name] result in
            engine?.handle(.target(name, .driver(.unitMainPID(result))))
        }
    }

    private func mainPIDRead(_ result: Result<Int32, SystemdBusError>) {
        awaitsMainPID = false
        guard supervisor.isSpawning else { return }
        let unit = config.unit ?? "?"
        if let state, state.isDown {
            // It went down between becoming active and the answer: the start did not hold.
            supervisor.startFailed("\(unit) went \(state.raw.isEmpty ? state.phase.rawValue : state.raw) as it started")
            return
        }
        switch result {
        case .success(let pid):
            running(mainPID: pid > 0 ? pid : nil)
        case .failure(let error):
            engine.logger.warning(
                "\(name): cannot read MainPID of \(unit): \(error)",
                metadata: ["VIGIL_TARGET": "\(name)"]
            )
            running(mainPID: nil)
        }
    }

    private func running(mainPID: Int32?) {
        var pid = mainPID ?? 0
        if pid == 0, let locator = engine.health.cgroupLocator, let unit = config.unit {
            pid = CgroupControl.processes(in: locator.locate("/system.slice/" + unit)).first ?? 0
        }
        instancePID = pid
        supervisor.instanceStarted(pid: pid, at: engine.now, adopted: foundActive)
        foundActive = false
    }

    /// What the watcher saw: the unit became active, or went down (inactive or failed), or the bus was lost.
    private func changed(_ event: SystemdUnitWatcher.Event) {
        switch event {
        case .state(let state):
            self.state = state
            if state.phase == .active {
                if supervisor.isSpawning, operation == nil {
                    up()
                }
            } else if state.isDown, let pid = instancePID, supervisor.machine.state.pid == pid {
                instancePID = nil
                let cause = "unit \(state.raw.isEmpty ? state.phase.rawValue : state.raw)"
                supervisor.instanceEnded(pid: pid, status: .lost(cause: cause), at: engine.now)
            }
        case .lost(let error):
            watcher = nil
            engine.logger.warning(
                "\(name): lost the bus watching \(config.unit ?? "?"): \(error); watching again",
                metadata: ["VIGIL_TARGET": "\(name)"]
            )
            engine.targets.dropActuatorContext()
            engine.after(.seconds(1), post: .target(name, .driver(.rewatchUnit)))
        }
    }

    /// The state machine's stop is `StopUnit`; a fault's `SIGKILL` is `KillUnit`.
    func signal(_ signal: VigilCore.Signal) {
        guard let actuator else { return }
        let operation: ActuatorOperation =
            supervisor.isStopping && signal == config.stopSignal ? .stop : .kill(signal)
        self.operation = actuator.perform(operation, timeout: config.stopTimeout) {
            @Sendable [weak engine, name] outcome in
            engine?.handle(.target(name, .driver(.unitSignalled(operation, outcome))))
        }
    }

    func close(removed: Bool) {
        awaitsRole = false
        promotion = nil
        watcher?.cancel()
        watcher = nil
        operation?.cancel()
        operation = nil
    }
}
