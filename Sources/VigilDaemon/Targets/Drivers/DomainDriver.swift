import Dispatch
import VigilCore
import VigilLinux

/// `vm` targets driven through libvirt (`domain = "NAME"`): started, shut down, destroyed and reverted by the
/// libvirt actuator (`virsh -c URI`), and watched through libvirt's lifecycle events by a `LibvirtDomainWatcher`.
/// Liveness comes from libvirt alone; a `machine` scope, when configured, only gives the checks their figures.
/// Stopping vigild leaves the domain running. Confined to the engine queue.
final class DomainDriver: TargetDriver {
    weak var supervisor: TargetSupervisor!
    /// libvirt's lifecycle events for the domain.
    private var watcher: LibvirtDomainWatcher?
    /// The domain's state as the watcher last reported it.
    private(set) var state: ActuatorTargetState?
    /// The PID the state machine knows the running domain by: its scope's first process, else 0.
    private var instancePID: Int32?
    /// The `virsh` operation under way.
    var operation: ActuatorCancellation?
    /// A revert under way: its stop and start of the domain are not a death.
    private(set) var revertInProgress: Revert?
    /// A `reset` step under way: what the recovery coordinator waits for.
    var resetInProgress: ((RecoveryOutcome) -> Void)?
    /// The guest was convicted and its domain left running for the ladder's `reset` (`keepForReset()`): still
    /// running, it is destroyed before any other start.
    var keptForReset = false
    /// A hot standby's promotion (`virsh resume`) the recovery coordinator waits for.
    private var promotion: ((RecoveryOutcome) -> Void)?
    /// The domain's scope, when `machine` names one, for the checks' figures.
    private var scope: CgroupWatch?
    /// The domain's UUID, as libvirt said it: how its emulator is told apart in `/proc`.
    var uuid: String?
    /// The running domain's emulator (QEMU) on this host, when found: the checks' `main.*` and `guest.cpu` figures.
    var emulatorPID: Int32?
    /// The file the domain logs its serial console to, from its XML, read when the watch begins and at every start.
    var consoleLog: String?
    /// The domain's QEMU process, watched through its pidfd while the domain runs.
    var emulator: ProcessExitObserver?
    /// When the pidfd told of the QEMU's death that libvirt has not reported yet: libvirt's event is then not
    /// reported again, and a start waits for it (libvirt still holds the domain as running until it has cleaned up).
    var emulatorDeath: MonotonicInstant?
    /// The guest's heartbeat channel, when `channel` is configured.
    var guest: GuestHeartbeats?

    /// A revert of the domain under way. It is over once the actuator has answered and the watcher has seen the
    /// domain running again (or 5 s after the answer).
    struct Revert {
        var answered = false
        var sawRunning = false
        var completion: (RecoveryOutcome) -> Void
    }

    init() {}

    var hasInstance: Bool { instancePID != nil }
    var holdsProcess: Bool { false }
    var stopsWithVigild: Bool { false }
    var mainPID: Int32? { scope?.mainPID ?? emulatorPID }

    /// The libvirt actuator of the domain; `nil` when `virsh` is not in `PATH`.
    var actuator: LibvirtActuator? {
        guard let domain = config.domain else { return nil }
        let context = engine.targets.actuatorContext()
        guard let virsh = HookCommand.resolve("virsh", path: context.searchPath) else { return nil }
        return LibvirtActuator(
            target: name,
            domain: domain.name,
            uri: domain.uri,
            virsh: virsh,
            shutdownTimeout: domain.shutdownTimeout,
            context: context
        )
    }

    var virshMissing: String {
        "virsh not found in PATH (install libvirt-clients) for domain \(config.domain?.name ?? "?")"
    }

    /// Starts following the domain's lifecycle events (when the target is added).
    func attach() {
        guard let actuator else {
            engine.logger.error("\(name): \(virshMissing)", metadata: ["VIGIL_TARGET": "\(name)"])
            return
        }
        watcher = engine.targets.libvirtConnections.watch(actuator, queue: engine.queue) {
            @Sendable [weak engine, name] event in
            engine?.handle(.target(name, .driver(.domainChanged(event))))
        }
        attachChannel()
        describe()
    }

    /// Adopts the domain if it runs (or is paused), else `virsh start`s it. A domain the watcher has not reported
    /// yet is started too: `start` takes one already running as started.
    func start() {
        guard let actuator else {
            supervisor.startFailed(virshMissing)
            return
        }
        if let phase = state?.phase, phase == .active || phase == .suspended {
            if emulatorDeath != nil {
                // Its QEMU is gone but libvirt has not finished with it: started once libvirt reports it down.
                return
            }
            if keptForReset {
                // The hung guest left for a reset that did not happen or hold: it is not adopted but started afresh.
                guard operation == nil else { return }
                destroyKept(through: actuator)
                return
            }
            // Running before its first start: adopted. After a failure it is a revert's (or the ladder's) work.
            up(now: engine.now, adopted: !supervisor.machine.hasVerdict)
            return
        }
        guard operation == nil else { return }
        guestRestarted()
        operation = startThrough(actuator)
    }

    /// The scope's `memory.events` or `cgroup.events` changed: an OOM kill in the emulator's scope is reported (libvirt
    /// says whether the domain lives).
    func fileChanged(watch: Int32, now: MonotonicInstant) {
        guard let scope, watch == scope.memoryEventsWatch || watch == scope.eventsWatch else { return }
        _ = scope.reportOOMKills(now: now)
    }

    func handle(_ event: DriverEvent) {
        switch event {
        case .oomSignalled:
            _ = scope?.reportOOMKills(now: engine.now)
        case .started(let outcome):
            operation = nil
            // Started before the watcher's first report: what `virsh domstate` said after the start stands until
            // then (a paused hot standby is adopted as one only knowing it is paused).
            if state == nil, let observed = outcome.report?.state {
                state = observed
            }
            // QEMU runs (the domain running or paused): the guest's channel is read from now on, not only once the
            // watcher reports. A guest that heartbeats into a port no host program holds open for a second or more
            // was never heard again once vigild connected late (seen with a resumed standby and a slow watcher).
            if let phase = state?.phase, phase == .active || phase == .suspended {
                guest?.channel.connect()
            }
            let alreadyThere = outcome.report?.alreadyThere == true && !supervisor.machine.hasVerdict
            startEnded(outcome) { up(now: engine.now, adopted: alreadyThere) }
        case .domainChanged(let event):
            changed(event)
        case .domainReverted(_, let outcome):
            reverted(outcome)
        case .roleOperationEnded(let operation, let outcome):
            let waiting = operation == .promote ? promotion : nil
            if operation == .promote {
                promotion = nil
                if outcome.succeeded {
                    // The guest runs again: its heartbeats are judged, and the next one confirms the promotion.
                    supervisor.heartbeatsResumed(at: engine.now)
                    // Read it at once, not when the watcher reports the resume (see `.started` above).
                    guest?.channel.connect()
                }
            }
            roleOperationEnded(operation, outcome, promotion: waiting)
        case .domainDescribed(let xml):
            consoleLog = xml.flatMap(DomainConsole.logPath(inDomainXML:))
        case .emulatorExited(let pid, let noticedAt, let status):
            emulatorExited(pid: pid, noticedAt: noticedAt, status: status)
        case .domainReset(_, let outcome):
            resetEnded(outcome)
        case .hungDomainDestroyed(let outcome):
            keptDestroyed(outcome)
        case .revertSettled:
            guard revertInProgress != nil else { return }
            revertInProgress = nil
            settle()
        case .guestChannel(let event):
            channelEvent(event)
        case .actuatorFailed(let operation, let outcome):
            engine.logger.warning(
                "\(name): \(operation) of domain \(config.domain?.name ?? "?") did not succeed: \(outcome)",
                metadata: ["VIGIL_TARGET": "\(name)"]
            )
        default:
            break
        }
    }

    /// The domain runs: the state machine's instance is its scope's first process when `machine` names a scope
    /// vigild finds (the checks read that scope), else its emulator when it runs on this host (the checks read its
    /// `/proc` and the cgroup libvirt made for the domain), else 0. With a heartbeat channel the domain counts as
    /// started only once its guest has heartbeated (`awaitsGuest`).
    /// - Parameter adopted: it ran before vigild started it (`target-adopted`).
    func up(now: MonotonicInstant, adopted: Bool = false) {
        guard supervisor.isSpawning else { return }
        let standby = engine.recovery.keepsPaused(name)
        // A standby found paused cannot heartbeat: its guest ran before it was paused.
        if !(standby && state?.phase == .suspended), awaitsGuest(adopted: adopted) {
            return
        }
        var pid: Int32 = 0
        if let machine = config.machine {
            if scope == nil, let locator = engine.health.cgroupLocator,
                let path = MachineScopeLocator(locator: locator).cgroupPath(of: machine)
            {
                scope = CgroupWatch.attach(path: path, for: supervisor)
            }
            pid = scope.flatMap { CgroupControl.processes(in: $0.directories).first } ?? 0
        } else {
            pid = findEmulator() ?? 0
        }
        instancePID = pid
        supervisor.instanceStarted(pid: pid, at: now, adopted: adopted)
        // A hot standby domain waits paused, to be resumed by its promotion; its silence meanwhile is not judged. One
        // adopted running is left so (it may have been resumed by a promotion vigild did not see to its end).
        if standby, !adopted, let actuator {
            changeRole(.demote, through: actuator)
            supervisor.heartbeatsPaused(at: now)
        } else if standby, state?.phase == .suspended {
            supervisor.heartbeatsPaused(at: now)
        }
    }

    /// A resumed domain's guest shows it serves by heartbeating again.
    var heartbeatConfirmsPromotion: Bool { true }

    /// Paused, as libvirt last reported it: a hot standby not resumed (yet).
    var heldAsStandby: Bool { instancePID != nil && state?.phase == .suspended }

    /// A hot standby domain's promotion: `virsh resume`.
    func promote(completion: @escaping (RecoveryOutcome) -> Void) -> String? {
        guard let actuator else { return virshMissing }
        promotion = completion
        changeRole(.promote, through: actuator)
        return nil
    }

    /// The domain is gone: the state machine hears of an exit with libvirt's words for it.
    func down(cause: String, now: MonotonicInstant) {
        guard let pid = instancePID, supervisor.machine.state.pid == pid else { return }
        instancePID = nil
        guestRestarted()
        releaseScope()
        supervisor.instanceEnded(pid: pid, status: .lost(cause: cause), at: now)
    }

    private func releaseScope() {
        scope?.close()
        scope = nil
        emulatorPID = nil
        supervisor.sampler = nil
    }

    /// What the watcher saw: the domain running (or paused), down (shut off, crashed, not defined), or the
    /// watcher's `virsh` ended and the state is unknown until its next one.
    private func changed(_ event: LibvirtDomainWatcher.Event) {
        switch event {
        case .state(let state):
            let previous = self.state
            self.state = state
            reportFault(from: previous, to: state)
            if state.phase == .active, revertInProgress != nil {
                revertInProgress?.sawRunning = true
                if revertInProgress?.answered == true {
                    revertInProgress = nil
                }
            }
            settle()
        case .interrupted(let reason, let retryIn):
            state = nil
            let domain = config.domain?.name ?? "?"
            engine.logger.warning(
                "\(name): lost libvirt's events for domain \(domain): \(reason); watching again in \(retryIn.humanReadable)",
                metadata: ["VIGIL_TARGET": "\(name)"]
            )
        case .notice(let notice):
            self.notice(notice)
        case .identified(let uuid):
            self.uuid = uuid
            if instancePID != nil, emulatorPID == nil, config.machine == nil {
                // Started before libvirt's watcher said the UUID, with another QEMU of the same name about: now the
                // emulator can be told apart (the checks read it; the state machine keeps the PID it was given).
                _ = findEmulator()
            }
        }
    }

    /// Brings the state machine in line with the domain's last known state (outside a revert).
    private func settle() {
        guard let state, revertInProgress == nil else { return }
        let now = engine.now
        if state.phase == .active || state.phase == .suspended {
            if supervisor.isSpawning, operation == nil {
                up(now: now)
            }
        } else if state.isDown {
            keptForReset = false
            down(cause: "domain \(state)", now: now)
            if supervisor.isSpawning, operation == nil {
                // A start that waited for libvirt to report the dead emulator's domain down.
                start()
            }
        }
    }

    /// The state machine's stop is a shutdown (destroyed after `shutdown_timeout`), `SIGKILL` (a fault, or a stop
    /// that took too long) a `destroy`, `SIGTERM` otherwise a graceful destroy.
    func signal(_ signal: VigilCore.Signal) {
        guard let actuator else { return }
        if signal == .kill, keepForReset() {
            return
        }
        let operation: ActuatorOperation
        var timeout = config.stopTimeout
        if supervisor.isStopping, signal == config.stopSignal {
            operation = .stop
            // The actuator gives the guest at most half of the operation's limit, and the destroy the rest.
            timeout = actuator.shutdownTimeout * 2 + .seconds(10)
        } else {
            operation = .kill(signal)
        }
        // Not kept: a destroy must not cancel the shutdown it overtakes, and each ends within its own limit.
        actuator.perform(operation, timeout: timeout) { @Sendable [weak engine, name] outcome in
            guard !outcome.succeeded else { return }
            engine?.handle(.target(name, .driver(.actuatorFailed(operation, outcome))))
        }
    }

    /// The recovery ladder's `revert`: `snapshot-revert` to the target's `snapshot` (the current one when unset)
    /// with the domain running, reported as the step's outcome. A member the state machine had down is started
    /// again (the reverted domain runs, so it is adopted).
    func revert(sequence: Int, completion: @escaping (RecoveryOutcome) -> Void) -> String? {
        guard let actuator else { return virshMissing }
        revertInProgress = Revert(completion: completion)
        operation?.cancel()
        operation = actuator.perform(.revert(snapshot: config.domain?.snapshot), timeout: config.startTimeout) {
            @Sendable [weak engine, name] outcome in
            engine?.handle(.target(name, .driver(.domainReverted(sequence: sequence, outcome: outcome))))
        }
        return nil
    }

    private func reverted(_ outcome: ActuatorOutcome) {
        operation = nil
        if case .succeeded = outcome {
            guestRestarted()
        }
        let completion = revertInProgress?.completion
        if case .succeeded = outcome, revertInProgress?.sawRunning == false {
            // The watcher's events of the revert may still be on their way.
            revertInProgress?.answered = true
            engine.after(.seconds(5), post: .target(name, .driver(.revertSettled)))
        } else {
            revertInProgress = nil
        }
        if case .succeeded = outcome, supervisor.machine.isDown {
            supervisor.perform(supervisor.machine.start(now: engine.now))
        }
        settle()
        completion?(RecoveryOutcome(outcome))
    }

    func close(removed: Bool) {
        guest?.channel.cancel()
        guest = nil
        watcher?.cancel()
        watcher = nil
        operation?.cancel()
        operation = nil
        resetInProgress = nil
        emulator?.cancel()
        emulator = nil
        if scope != nil || emulatorPID != nil {
            releaseScope()
        }
    }
}
