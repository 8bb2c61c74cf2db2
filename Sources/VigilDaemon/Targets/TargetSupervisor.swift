import Dispatch
import VigilCore
import VigilLinux

/// One target: its restart state machine, its health model (check detectors and heartbeat judge), its timers and
/// the driver of its kind. It carries out what the machine answers (`perform`), hands driver events to the driver,
/// and derives the target's health verdict. Confined to the engine queue, like the engine.
package final class TargetSupervisor {
    unowned let engine: Engine
    /// The target's settings; a reload that changes only policy replaces them in place (`applyInPlace`).
    private(set) var config: TargetConfig
    /// How to start it: the process for a process target, the `start` command for a cgroup or vm target (`nil`
    /// when it has none).
    let launch: LaunchSpec?
    package var machine: RestartStateMachine
    /// Starts, stops, signals and watches the instance, the way its kind needs.
    let driver: any TargetDriver
    /// What to do once the target is down: nothing, forget it, or start it again with new settings.
    var whenDown: WhenDown = .nothing
    /// Maintenance for this target alone (`vigilctl maintenance on T`).
    var maintenance = false
    /// The figures of the target over its life in this vigild (kept across replacements).
    var record = TargetRecord()
    /// The checks' detectors and the heartbeat judge.
    var healthModel: TargetHealthModel
    /// The target's own `NOTIFY_SOCKET`, if it has one, and the last `STATUS=` it sent.
    var notifySocket: NotifySocket?
    var notifyStatus: String?
    /// The role the instance last answered by its `status` hook, or `primary` once a promoted domain's guest has
    /// heartbeated again; forgotten for a new instance and whenever a new answer is asked for.
    var answeredRole: TargetRole?
    /// The instance was promoted and its next heartbeat shows that it serves (`heartbeatConfirmsPromotion`).
    var awaitsPromotionHeartbeat = false
    /// Reads the target's cgroup and main process for the checks; `nil` until there is something to read.
    var sampler: TargetSampler?
    private let restartTimer: LazyTimer
    let heartbeatTimer: LazyTimer

    enum WhenDown {
        case nothing
        case remove
        case replace(TargetConfig, LaunchSpec?)

        var isRemove: Bool {
            if case .remove = self { return true }
            return false
        }
    }

    init(engine: Engine, config: TargetConfig, launch: LaunchSpec?, driver: any TargetDriver, seed: UInt64) {
        self.engine = engine
        self.config = config
        self.launch = launch
        self.driver = driver
        self.machine = RestartStateMachine(target: config, seed: seed)
        self.healthModel = TargetHealthModel(config: config)
        let name = config.name
        self.restartTimer = engine.makeTimer { .target(name, .restartTimer) }
        self.heartbeatTimer = engine.makeTimer { .target(name, .heartbeatTimer) }
        driver.supervisor = self
    }

    var name: String { config.name }

    /// When the target is added: its notify socket, and whatever its driver watches from the start.
    func attach() {
        openNotifySocket()
        driver.attach()
    }

    func handle(_ event: TargetEvent) {
        switch event {
        case .restartTimer:
            perform(machine.timerFired(now: engine.now))
        case .heartbeatTimer:
            heartbeatDeadlineReached()
        case .notify(let received):
            notifyReceived(received)
        case .driver(let event):
            driver.handle(event)
        }
    }

    /// Carries out what the state machine answered.
    package func perform(_ actions: [SupervisionAction]) {
        dispatchPrecondition(condition: .onQueue(engine.queue))
        for action in actions {
            switch action {
            case .spawn:
                driver.start()
            case .signal(let signal):
                if isStopping {
                    // What follows this target (its service address) goes before it.
                    engine.targets.followedStopping(name)
                }
                driver.signal(signal)
            case .armTimer(let instant):
                restartTimer.arm(at: instant)
            case .disarmTimer:
                restartTimer.disarm()
            case .emit(let event):
                engine.events.record(event)
            }
        }
    }

    /// Stops the target for a removal or a change of settings; what follows once it is down is `then`.
    func stop(then: WhenDown, reason: String) {
        whenDown = then
        perform(machine.stop(now: engine.now, reason: reason))
    }

    /// Whether the target is down and nothing of vigild's is left running or starting for it.
    package var isDownForGood: Bool {
        machine.isDown && !driver.holdsProcess
    }

    /// The driver reports that the instance runs as `pid` (0 when it has no process vigild can name).
    /// - Parameters:
    ///   - adopted: it was found running rather than started.
    ///   - persistFirst: write the state file before anything is announced (a member of a service with a ladder,
    ///     whose PID a restarted vigild must find).
    func instanceStarted(pid: Int32, at now: MonotonicInstant, adopted: Bool = false, persistFirst: Bool = false) {
        healthModel.resetChecks(config: config)
        if !adopted {
            // A new instance has said nothing yet; what the last one said (its role) is not about this one.
            notifyStatus = nil
            answeredRole = nil
        }
        awaitsPromotionHeartbeat = false
        let actions = machine.spawned(pid: pid, now: now, adopted: adopted)
        if persistFirst {
            engine.persistence.saveNow()
        }
        instanceChanged(at: now)
        perform(actions)
    }

    /// The driver reports that the instance is gone, and how.
    func instanceEnded(pid: Int32, status: ExitStatus, at now: MonotonicInstant, detectedAfter: Duration? = nil) {
        instanceChanged(at: now)
        perform(machine.exited(pid: pid, status: status, now: now, detectedAfter: detectedAfter))
    }

    /// The driver could not start the instance.
    func startFailed(_ reason: String) {
        perform(machine.spawnFailed(reason: reason, now: engine.now))
    }

    /// Whether the state machine waits for the driver's start.
    var isSpawning: Bool {
        if case .spawning = machine.state { return true }
        return false
    }

    /// Whether an instance is awaited: a start under way, or a watch-only target waiting for its processes.
    var awaitsInstance: Bool {
        machine.state.awaitsProcesses
    }

    /// There is nothing to start and no instance yet (a watch-only target's empty cgroup): the target waits for
    /// one to appear, which is not a failed start.
    func waitForInstance(_ reason: String) {
        perform(machine.waitForProcesses(reason: reason, now: engine.now))
    }

    /// Whether the state machine is stopping the instance on purpose.
    var isStopping: Bool {
        if case .stopping = machine.state { return true }
        return false
    }

    /// The instance changed (started or gone): a fresh heartbeat judge for a running one, none otherwise.
    func instanceChanged(at now: MonotonicInstant) {
        healthModel.instanceChanged(running: driver.hasInstance, at: now)
        armHeartbeat(now: now)
    }

    /// Whether the instance reports itself in `role` by a way it has: its last `STATUS=` (`role=primary`), its
    /// `status` hook's last answer, or (for `primary`) a heartbeat since a domain's promotion.
    func reports(_ role: TargetRole) -> Bool {
        answeredRole == role || notifyStatus.flatMap(RoleReport.role(inStatus:)) == role
    }

    /// Whether the instance can report its role at all: a notify socket, a `status` hook, or heartbeats that show
    /// a promoted domain's guest runs again. Without one, a promotion holds once it was issued.
    var reportsRole: Bool {
        config.notifySocket || config.roles.status != nil
            || (driver.heartbeatConfirmsPromotion && config.heartbeat != nil)
    }

    /// The target's health verdict now; `nil` when nothing judges it.
    func health(at now: MonotonicInstant) -> Health? {
        Health.judge(machine: machine, heartbeat: healthModel.judge, checks: healthModel.detectors, now: now)
    }

    /// A recovery step's action succeeded: the detectors judge the target afresh.
    func resetDetectors(at now: MonotonicInstant) {
        healthModel.resetChecks(config: config)
        instanceChanged(at: now)
    }

    /// A reload changed this target's policy only (`ConfigDiff.changedInPlace`): the new settings apply to the
    /// running instance, which keeps its PID. Runs after the recovery coordinator took the new recovery settings.
    func applyInPlace(_ target: TargetConfig, at now: MonotonicInstant) {
        if case .replace(_, let launch) = whenDown {
            // Still stopping for an earlier reload: the replacement starts with the newest settings.
            whenDown = .replace(target, launch)
            return
        }
        let change = PolicyChange(old: config, new: target)
        config = target
        machine.updatePolicy(from: target)
        machine.recoversExternally = engine.recovery.recoversByLadder(name)
        if change.checks {
            healthModel.resetChecks(config: target)
            engine.health.disarmPressureTriggers(for: name)
            if let unified = sampler?.directories.unified {
                engine.health.arm(target.checks, directory: unified, owner: name)
            }
        }
        healthModel.heartbeatConfig = change.heartbeatConfig(running: healthModel.heartbeatConfig)
        switch change.heartbeat {
        case .unchanged:
            break
        case .thresholds:
            if let heartbeat = healthModel.heartbeatConfig {
                healthModel.judge?.updateThresholds(from: heartbeat)
            }
            armHeartbeat(now: now)
        case .detector:
            instanceChanged(at: now)
        }
    }

    /// Takes over the figures of the supervisor this one replaces.
    func inherit(from old: TargetSupervisor) {
        record = old.record
        record.restartsBefore += old.machine.restarts
        maintenance = old.maintenance
    }

    /// Restarts over this vigild's life, across replacements.
    var totalRestarts: Int { record.restartsBefore + machine.restarts }

    /// Releases timers, sockets and the driver's watches; the supervisor must not be used afterwards.
    /// - Parameter removed: the target left the configuration (its leftovers are cleaned up), rather than being
    ///   replaced or vigild exiting.
    func close(removed: Bool) {
        restartTimer.close()
        heartbeatTimer.close()
        notifySocket?.cancel()
        notifySocket = nil
        driver.close(removed: removed)
    }
}

/// What vigild counts about a target, for `vigilctl status`, metrics and the state file.
struct TargetRecord {
    /// Restarts of earlier state machines of this target (a restart on request replaces the machine).
    var restartsBefore = 0
    /// Failures as `vigilctl report` counts them: unexpected exits, convictions of a live process (heartbeat faults,
    /// watchdog triggers, fault checks; a conviction and the exit it causes once) and failed starts.
    var faults = 0
    /// Failovers of the service this target is the primary of.
    var failovers = 0
    /// Heartbeat suspicions, and those a heartbeat cleared (false alarms).
    var suspicions = 0
    var falseSuspicions = 0
    /// Times the recovery ladder ran out of steps.
    var recoveriesExhausted = 0
    /// Exit → noticed, for every unexpected exit.
    var detection = Histogram()
    /// Failure noticed → the replacement started.
    var recovery = Histogram()
    /// When the current outage began, if the target is down for a failure.
    var downSince: MonotonicInstant?
}
