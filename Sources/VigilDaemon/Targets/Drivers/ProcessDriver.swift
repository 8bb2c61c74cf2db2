import Dispatch
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// `process` targets: a program vigild spawns itself through the built-in process actuator (into a cgroup of its
/// own, watched by its pidfd and reaped), or a daemon another actuator (`exec` hooks, `signal`) starts and stops,
/// which vigild finds through its PID file and watches by pidfd. Confined to the engine queue.
final class ProcessDriver: TargetDriver {
    weak var supervisor: TargetSupervisor!
    /// What starts, stops and signals it: the built-in `ProcessActuator`, or the one its config names (`nil` when
    /// that one could not be built: the target cannot start, and vigild signals what it finds itself).
    let actuator: (any Actuator)?
    /// The instance, and what exists only in each of its states.
    var instance: Instance = .none(found: nil)
    /// The target's own cgroup directory, once made; its processes start there.
    private var cgroupDirectory: String?
    /// Whether that cgroup may have been killed (by this vigild or, for one found at start, an earlier one): it is
    /// made afresh before the next start.
    private var cgroupKilled = false {
        didSet { updateKilledMark() }
    }
    /// Children started for an instance that is no longer wanted (stopped meanwhile): killed, watched until reaped.
    private var strays: [PidfdWatcher] = []

    /// Where the instance is. Holding a watcher, observer or reclamation keeps its sources alive.
    enum Instance {
        /// Nothing runs. `found`: a process from before vigild restarted, adopted at the next start instead of
        /// starting a second instance.
        case none(found: (pid: Int32, startTicks: UInt64)?)
        /// What the last instance left in the target's cgroup is being killed; the start goes on once it is empty.
        case reclaiming(Reclamation)
        /// A start under way: the spawn, an exec start hook, or the wait for the daemon's PID file.
        case starting(ActuatorCancellation)
        /// vigild's child, watched by its pidfd and reaped. `killSentAt`: when vigild last sent `SIGKILL` to its
        /// group, an upper bound of the exit time when the kernel's exit timestamps are not available.
        case child(PidfdWatcher, startTicks: UInt64?, killSentAt: MonotonicInstant?)
        /// A process vigild did not start (from before vigild restarted, or named by a PID file): observed by its
        /// pidfd, not reaped.
        case observed(ProcessExitObserver, startTicks: UInt64?)
    }

    /// How often a started daemon's PID file is looked at until it names a running process.
    static let pidFilePoll: Duration = .milliseconds(50)

    private init(actuator: (any Actuator)?) {
        self.actuator = actuator
    }

    /// The driver of a process target, with its actuator: the built-in one for a program vigild spawns, else the one
    /// the configuration names. `nil` without a launch specification for a spawned program; an actuator that cannot
    /// be built (the host changed since the loader checked it) is logged, and the target cannot start.
    static func make(target: TargetConfig, launch: LaunchSpec?, engine: Engine) -> ProcessDriver? {
        let context = engine.targets.actuatorContext()
        if target.spawnsProcess {
            guard let launch else { return nil }
            return ProcessDriver(
                actuator: ProcessActuator(
                    target: target.name,
                    launch: launch,
                    stopSignal: target.stopSignal,
                    journalOutput: engine.settings.targetOutputToJournal,
                    context: context
                )
            )
        }
        do {
            return ProcessDriver(actuator: try ActuatorRegistry.standard.make(for: target, context: context))
        } catch {
            engine.logger.error(
                "\(target.name): cannot build its actuator: \(error)",
                metadata: ["VIGIL_TARGET": "\(target.name)", "VIGIL_ERROR": "\(error)"]
            )
            return ProcessDriver(actuator: nil)
        }
    }

    var processActuator: ProcessActuator? { actuator as? ProcessActuator }

    var holdsProcess: Bool {
        switch instance {
        case .starting, .child, .observed: true
        case .none, .reclaiming: !strays.isEmpty
        }
    }

    /// The running process's start time in clock ticks after boot, which with its PID names it for good.
    var startTicks: UInt64? {
        switch instance {
        case .child(_, let ticks, _), .observed(_, let ticks): ticks
        case .none, .reclaiming, .starting: nil
        }
    }

    var hasInstance: Bool { holdsProcess }

    /// A daemon another actuator started keeps running when vigild stops; vigild's own children stop with it.
    var stopsWithVigild: Bool { config.spawnsProcess }

    // MARK: - Starting

    func start() {
        if case .none(let found?) = instance {
            instance = .none(found: nil)
            if adopt(pid: found.pid, startTicks: found.startTicks) {
                return
            }
        }
        if config.spawnsProcess {
            guard reclaim() else { return }
            spawn()
        } else {
            startManaged()
        }
    }

    /// The built-in actuator's `start`: the child comes back in the outcome, and is claimed and watched.
    private func spawn() {
        guard let actuator = processActuator else {
            supervisor.startFailed("no process actuator")
            return
        }
        removeStalePidFile()
        if let launch = supervisor.launch {
            // Into the target's own cgroup, made (afresh if it was killed) by the reclamation just before, with the
            // role it starts in (`VIGIL_ROLE`: how a member of a hot-standby group learns it).
            let role = engine.recovery.launchRole(of: name).rawValue
            var starting = launch.starting(inCgroup: cgroupDirectory).setting("VIGIL_ROLE", to: role)
            // A cluster resource learns the fencing token of its ownership, to present on every write it makes.
            if let token = engine.recovery.fencingToken(of: name) {
                starting = starting.setting("VIGIL_FENCING_TOKEN", to: String(token))
            }
            actuator.update(launch: starting)
        }
        instance = .starting(
            actuator.perform(.start, timeout: config.startTimeout) { @Sendable [weak engine, name] outcome in
                engine?.handle(.target(name, .driver(.spawnEnded(outcome))))
            }
        )
    }

    private func spawnEnded(_ outcome: ActuatorOutcome) {
        guard let actuator = processActuator else { return }
        if case .starting = instance {
            instance = .none(found: nil)
        }
        let process = outcome.report?.pid.flatMap(actuator.claim)
        guard supervisor.isSpawning else {
            // Stopped while the spawn was under way: the new process is not wanted.
            if let process {
                discard(process)
            }
            return
        }
        guard let process else {
            let reason: String
            switch outcome {
            case .failed(let why, _): reason = why
            default: reason = "\(outcome)"
            }
            supervisor.startFailed(reason)
            return
        }
        engine.targets.exitTimestamps?.watch(process.pid)
        let watcher = PidfdWatcher(process: process, queue: engine.queue) { @Sendable [weak engine, name] exit in
            engine?.handle(.target(name, .driver(.processExited(exit))))
        }
        instance = .child(watcher, startTicks: (try? CgroupProcess.stat(of: process.pid))?.startTicks, killSentAt: nil)
        supervisor.sampler = engine.health.processSampler(pid: process.pid)
        // A member of a service with a ladder: its PID is on disk before anything else happens.
        supervisor.instanceStarted(
            pid: process.pid,
            at: process.startedAt,
            persistFirst: engine.recovery.isMember(name)
        )
    }

    /// Kills a child nobody wants and reaps it.
    private func discard(_ process: SpawnedProcess) {
        _ = try? ProcessLauncher.signalGroup(process.pid, .kill)
        processActuator?.forget(process.pid)
        let pid = process.pid
        strays.append(
            PidfdWatcher(process: process, queue: engine.queue) { @Sendable [weak engine, name] _ in
                engine?.handle(.target(name, .driver(.strayReaped(pid: pid))))
            }
        )
    }

    func handle(_ event: DriverEvent) {
        switch event {
        case .processExited(let exit):
            exited(exit)
        case .adoptedExited(let pid, let at):
            adoptedExited(pid: pid, at: at)
        case .spawnEnded(let outcome):
            spawnEnded(outcome)
        case .managedStartEnded(let outcome, let startedAt):
            managedStartEnded(outcome, startedAt: startedAt)
        case .pidFilePoll(let deadline, let cancelled):
            pidFilePolled(deadline: deadline, cancelled: cancelled)
        case .strayReaped(let pid):
            strays.removeAll { $0.pid == pid }
        case .reclaimCheck:
            reclaimCheck()
        case .actuatorFailed(let operation, let outcome):
            engine.logger.warning(
                "could not \(operation) \(name): \(outcome)",
                metadata: ["VIGIL_TARGET": "\(name)"]
            )
        default:
            break
        }
    }

    private func exited(_ exit: PidfdWatcher.Exit) {
        guard case .child(let watcher, _, let killSentAt) = instance, watcher.pid == exit.pid else { return }
        instance = .none(found: nil)
        processActuator?.forget(exit.pid)
        // The kernel's own exit time where vigild can read it; else the SIGKILL vigild sent, if it sent one. The
        // kernel stamps the exit after waking pidfd readers, so a difference below zero means no delay at all.
        let exitedAt = engine.targets.exitTimestamps?.take(exit.pid) ?? killSentAt
        let detectedAfter = exitedAt.map { max(.zero, exit.noticedAt - $0) }
        supervisor.instanceEnded(pid: exit.pid, status: exit.status, at: exit.noticedAt, detectedAfter: detectedAfter)
    }

    // MARK: - Signals

    /// A signal of the restart policy through the actuator: the stop signal while stopping is the actuator's `stop`
    /// for a daemon another actuator runs (an `exec` stop hook), anything else `kill(signal)`; an actuator that
    /// cannot do that (no hook for it) leaves it to vigild, which signals the process it watches.
    func signal(_ signal: VigilCore.Signal) {
        guard let pid = supervisor.machine.state.pid, holdsProcess else { return }
        if signal == .kill {
            if case .child(let watcher, let ticks, _) = instance {
                instance = .child(watcher, startTicks: ticks, killSentAt: engine.now)
            }
            killCgroup()
        }
        let operation: ActuatorOperation =
            !config.spawnsProcess && supervisor.isStopping && signal == config.stopSignal ? .stop : .kill(signal)
        guard let actuator, actuator.supports(operation) else {
            if kill(pid, signal.number) != 0, errno != ESRCH {
                let error = SystemError(call: "kill", subject: "pid \(pid)", errno: errno)
                engine.logger.warning(
                    "could not signal \(name): \(error)",
                    metadata: ["VIGIL_TARGET": "\(name)", "VIGIL_PID": "\(pid)"]
                )
            }
            return
        }
        actuator.perform(operation, timeout: config.stopTimeout) { @Sendable [weak engine, name] outcome in
            guard !outcome.succeeded else { return }
            engine?.handle(.target(name, .driver(.actuatorFailed(operation, outcome))))
        }
    }

    // MARK: - Its cgroup

    /// Before a start: makes the target's cgroup, and kills what is left in it.
    /// - Returns: `true` when the start may go on now; `false` when it waits for the cgroup to empty (it is called
    ///   again then) or failed (the state machine has heard so).
    private func reclaim() -> Bool {
        if case .reclaiming = instance {
            return false
        }
        guard let cgroups = engine.targets.processCgroups.prepare() else { return true }
        let exists = cgroups.exists(name)
        if exists {
            switch Reclamation.begin(
                for: supervisor,
                path: cgroups.path(of: name),
                directories: cgroups.directories(of: name),
                killed: { cgroupKilled = true }
            ) {
            case .empty: break
            case .waiting(let pending):
                instance = .reclaiming(pending)
                return false
            }
        }
        // A cgroup that was killed is made afresh: Linux 6.18 kills at birth a child that clone3 puts
        // (CLONE_INTO_CGROUP) into a cgroup that was ever killed through cgroup.kill (one that migrates there is
        // spared), and a new cgroup has never been. So is one this vigild has not made yet, or one that is gone.
        guard !exists || cgroupDirectory == nil || cgroupKilled else { return true }
        cgroups.remove(name)
        do {
            cgroupDirectory = try cgroups.create(name)
            cgroupKilled = false
        } catch {
            supervisor.startFailed("cannot make its cgroup: \(error)")
            return false
        }
        return true
    }

    private func reclaimCheck() {
        guard case .reclaiming(let pending) = instance, let left = pending.check() else { return }
        instance = .none(found: nil)
        reclamationEnded(pending, left: left)
    }

    func fileChanged(watch: Int32, now: MonotonicInstant) {
        if case .reclaiming(let pending) = instance, pending.watch == watch {
            reclaimCheck()
        }
    }

    /// `SIGKILL` for a process target reaches its whole cgroup, not only its process group.
    private func killCgroup() {
        guard config.spawnsProcess, cgroupDirectory != nil, let cgroups = engine.targets.processCgroups.current
        else { return }
        CgroupControl.signal(.kill, cgroups.directories(of: name))
        cgroupKilled = true
    }

    private func updateKilledMark() {
        if cgroupKilled && cgroupDirectory != nil {
            engine.targets.processCgroups.killed.insert(name)
        } else {
            engine.targets.processCgroups.killed.remove(name)
        }
    }

    /// At vigild's start: a process target whose cgroup still has processes is running, whatever the state file
    /// says (vigild may have been killed between `clone` and writing it). The persisted PID is adopted if it is in
    /// the cgroup, else the oldest process there.
    /// - Returns: the PID to adopt and its start time, or `nil` when the cgroup is empty or there is none.
    private func cgroupAdoption(saved: PersistedTargetState?) -> (pid: Int32, startTicks: UInt64)? {
        guard config.spawnsProcess, let cgroups = engine.targets.processCgroups.prepare() else { return nil }
        var candidates: [(pid: Int32, startTicks: UInt64)] = []
        for pid in cgroups.processes(of: name) {
            guard let stat = try? CgroupProcess.stat(of: pid), stat.state != .zombie, let ticks = stat.startTicks
            else { continue }
            if pid == saved?.pid, ticks == saved?.pidStartTime {
                cgroupDirectory = cgroups.directory(of: name)
                cgroupKilled = true
                return (pid, ticks)
            }
            candidates.append((pid, ticks))
        }
        cgroupDirectory = candidates.isEmpty ? nil : cgroups.directory(of: name)
        cgroupKilled = true
        guard let oldest = candidates.min(by: { ($0.startTicks, $0.pid) < ($1.startTicks, $1.pid) }) else {
            return nil
        }
        let path = cgroups.path(of: name)
        let message =
            "\(name): its cgroup \(path) has \(candidates.count) process(es) the state file does not name; "
            + "adopting the oldest, pid \(oldest.pid)"
        engine.logger.notice("\(message)", metadata: ["VIGIL_TARGET": "\(name)", "VIGIL_PID": "\(oldest.pid)"])
        return oldest
    }

    // MARK: - Adoption

    /// Before the first start: what still runs is adopted rather than started a second time. That is the process in
    /// the target's cgroup (the one the state file names, else the oldest), or without a cgroup the process the
    /// state file names if it still runs with the same start time.
    func prepareAdoption(restored: PersistedTargetState?) -> Bool {
        guard engine.persistence.readAtStart else { return false }
        if let found = cgroupAdoption(saved: restored) {
            instance = .none(found: found)
            return true
        }
        guard let saved = restored, let pid = saved.pid, let ticks = saved.pidStartTime,
            let stat = try? CgroupProcess.stat(of: pid), stat.startTicks == ticks, stat.state != .zombie
        else { return false }
        instance = .none(found: (pid, ticks))
        return true
    }

    /// Takes a running process as the target's instance. Returns false if it is gone after all.
    /// - Parameters:
    ///   - startTicks: its start time, when known (else read now).
    ///   - found: how vigild came to know it, for the log.
    ///   - adopted: vigild did not start it (`target-adopted`); false for a daemon its actuator just started.
    func adopt(
        pid: Int32,
        startTicks: UInt64? = nil,
        found: String = "still running from before vigild restarted",
        adopted: Bool = true
    ) -> Bool {
        guard
            let observer = try? ProcessExitObserver(
                pid: pid,
                queue: engine.queue,
                onExit: { @Sendable [weak engine, name] at in
                    engine?.handle(.target(name, .driver(.adoptedExited(pid: pid, at: at))))
                }
            )
        else { return false }
        instance = .observed(observer, startTicks: startTicks ?? (try? CgroupProcess.stat(of: pid))?.startTicks)
        processActuator?.track(pid)
        engine.logger.notice(
            "\(name): adopted pid \(pid), \(found)",
            metadata: ["VIGIL_TARGET": "\(name)", "VIGIL_PID": "\(pid)"]
        )
        supervisor.instanceStarted(pid: pid, at: engine.now, adopted: adopted)
        return true
    }

    /// An adopted process exited. It is not vigild's child: its status is its new parent's to reap, so the exit is
    /// reported without one; what it left in its process group is killed, as for a child.
    private func adoptedExited(pid: Int32, at now: MonotonicInstant) {
        guard case .observed(let observer, _) = instance, observer.pid == pid else { return }
        instance = .none(found: nil)
        processActuator?.forget(pid)
        _ = try? ProcessLauncher.signalGroup(pid, .kill)
        let status = ExitStatus.lost(cause: "exited (not vigild's child: its exit status is not known)")
        supervisor.instanceEnded(pid: pid, status: status, at: now)
    }

    // MARK: - Letting go

    func close(removed: Bool) {
        releaseCgroup(removed: removed)
        switch instance {
        case .child(let watcher, _, _): watcher.cancel()
        case .observed(let observer, _): observer.cancel()
        case .starting(let operation): operation.cancel()
        case .reclaiming(let pending): pending.cancel()
        case .none: break
        }
        instance = .none(found: nil)
        for stray in strays {
            stray.cancel()
        }
        strays = []
    }

    /// The target's cgroup is removed if empty. A target removed from the configuration has what is left in its
    /// cgroup killed first, and the cgroup removed once empty; on vigild's stop, a cgroup that still has processes
    /// stays (a restarted vigild adopts them).
    private func releaseCgroup(removed: Bool) {
        guard cgroupDirectory != nil, let cgroups = engine.targets.processCgroups.current else { return }
        cgroupDirectory = nil
        if removed {
            updateKilledMark()
        }
        if cgroups.remove(name) || !removed {
            return
        }
        CgroupControl.signal(.kill, cgroups.directories(of: name))
        Self.removeWhenEmpty(name, cgroups, until: engine.now + config.stopTimeout, engine: engine)
    }

    /// A removed target's cgroup, killed: removed once the kernel has emptied it (unless the target came back).
    private static func removeWhenEmpty(
        _ name: String,
        _ cgroups: TargetCgroups,
        until deadline: MonotonicInstant,
        engine: Engine
    ) {
        engine.scheduler.after(.milliseconds(10), on: engine.queue) { @Sendable [weak engine] in
            guard let engine, engine.targets[name] == nil, !cgroups.remove(name) else { return }
            if engine.now < deadline {
                removeWhenEmpty(name, cgroups, until: deadline, engine: engine)
            } else {
                engine.logger.warning("cgroup \(cgroups.path(of: name)) of removed target \(name) did not empty")
            }
        }
    }
}
