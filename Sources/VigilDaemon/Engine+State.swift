import Dispatch
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// The state file: what vigild writes on every transition and reads back when it starts, so that a restart of
/// vigild (crash, upgrade, `systemctl restart`) adopts what runs instead of starting it twice, keeps the roles of a
/// failed-over service, and finishes a failover that was under way.
extension Engine {
    /// Reads the state file at start; a corrupt one was set aside by the store, and is reported.
    func loadState() {
        let writer = StateWriter(store: StateStore(directory: loaded.config.daemon.stateDirectory))
        stateWriter = writer
        let load = writer.store.load()
        // Not nil while the targets are first added, even without a file: adoption looks at their cgroups then.
        restoredState = load.state ?? PersistedState(generation: 0, hostMaintenance: false)
        stateGeneration = load.state?.generation ?? 0
        if let problem = load.problem {
            var fields = ["ERROR": problem.description, "STATE_FILE": writer.store.path]
            fields["SET_ASIDE"] = load.setAside
            let kept = load.setAside.map { "; kept as \($0)" } ?? ""
            record(
                Event(
                    kind: .stateFileCorrupt,
                    message: "state file \(writer.store.path) unusable: \(problem)\(kept); starting from what runs now",
                    fields: fields,
                    time: MonotonicClock.now()
                )
            )
        }
    }

    /// What the state file says about `name`, if it was read at start.
    func restored(_ name: String) -> PersistedTargetState? {
        restoredState?.targets[name]
    }

    /// Before a target's first start: what still runs is adopted rather than started a second time. That is the
    /// process in the target's cgroup (the one the state file names, else the oldest), or without a cgroup the
    /// process the state file names if it still runs with the same start time.
    func prepareAdoption(_ runtime: TargetRuntime) {
        guard runtime.config.kind == .process, restoredState != nil else { return }
        if let found = cgroupAdoption(runtime, saved: restored(runtime.name)) {
            runtime.adoptPID = found.pid
            runtime.startTicks = found.startTicks
            return
        }
        guard let saved = restored(runtime.name), let pid = saved.pid,
            let ticks = saved.pidStartTime,
            let stat = try? CgroupProcess.stat(of: pid), stat.startTicks == ticks, stat.state != .zombie
        else { return }
        runtime.adoptPID = pid
        runtime.startTicks = ticks
    }

    /// Takes a running process as the target's instance. Returns false if it is gone after all.
    /// - Parameter found: how vigild came to know it, for the log.
    func adoptProcess(
        _ runtime: TargetRuntime,
        pid: Int32,
        found: String = "still running from before vigild restarted"
    ) -> Bool {
        let name = runtime.name
        guard
            let observer = try? ProcessExitObserver(
                pid: pid,
                queue: queue,
                onExit: { @Sendable [weak self] at in self?.adoptedExited(target: name, pid: pid, at: at) }
            )
        else { return false }
        runtime.adopted = observer
        (runtime.actuator as? ProcessActuator)?.track(pid)
        logger.notice(
            "\(name): adopted pid \(pid), \(found)",
            metadata: ["VIGIL_TARGET": "\(name)", "VIGIL_PID": "\(pid)"]
        )
        let now = MonotonicClock.now()
        perform(runtime.machine.spawned(pid: pid, now: now), for: runtime)
        heartbeatProcessChanged(runtime, now: now)
        return true
    }

    /// An adopted process exited. It is not vigild's child: its status is its new parent's to reap, so the exit is
    /// reported without one; what it left in its process group is killed, as for a child.
    func adoptedExited(target name: String, pid: Int32, at now: MonotonicInstant) {
        guard let runtime = targets[name], runtime.adopted?.pid == pid else { return }
        runtime.adopted = nil
        (runtime.actuator as? ProcessActuator)?.forget(pid)
        _ = try? ProcessLauncher.signalGroup(pid, .kill)
        heartbeatProcessChanged(runtime, now: now)
        let status = ExitStatus.lost(cause: "exited (not vigild's child: its exit status is not known)")
        perform(runtime.machine.exited(pid: pid, status: status, now: now), for: runtime)
        afterChange()
    }

    /// Writes the state file now, on the engine queue, before going on: for the transitions a restart of vigild
    /// must never miss (a service member's new process, a failover's new roles), where the few milliseconds of a
    /// synchronous write buy "no second instance" after a SIGKILL of vigild right afterwards.
    func persistStateNow() {
        guard let stateWriter else { return }
        stateWriter.flush()
        do {
            try stateWriter.store.save(currentState())
            stateDirty = false
            stateFileWritable = true
        } catch {
            stateDirty = true
            stateFileWritable = false
            logger.error("cannot write the state file: \(error)", metadata: ["VIGIL_ERROR": "\(error)"])
        }
    }

    private func currentState() -> PersistedState {
        stateGeneration += 1
        var state = PersistedState(generation: stateGeneration, hostMaintenance: maintenance)
        for name in order {
            guard let runtime = targets[name] else { continue }
            state.targets[name] = persisted(runtime)
        }
        return state
    }

    /// Writes the state file if anything was recorded since the last write.
    func persistStateIfChanged() {
        guard stateDirty, let stateWriter else { return }
        stateDirty = false
        let state = currentState()
        stateWriter.save(state) { @Sendable [weak self] problem in
            guard let self else { return }
            self.queue.async { @Sendable in
                self.stateFileWritable = problem == nil
                if let problem {
                    self.record(
                        Event(
                            kind: .stateFileUnwritable,
                            message:
                                "cannot write the state file: \(problem); a restart of vigild will not find this state",
                            fields: ["ERROR": problem, "STATE_FILE": stateWriter.store.path],
                            time: MonotonicClock.now()
                        )
                    )
                } else {
                    self.logger.notice("the state file is written again")
                }
            }
        }
    }

    private func persisted(_ runtime: TargetRuntime) -> PersistedTargetState {
        let name = runtime.name
        var role = TargetRole.primary
        if let owner = serviceOf[name], let service = services[owner], service.roles.active != name {
            role = .standby
        }
        var failed = false
        if case .failed = runtime.machine.state {
            failed = true
        }
        let pid = runtime.hasProcess ? runtime.machine.state.pid : nil
        var entry = PersistedTargetState(
            role: role,
            pid: pid,
            pidStartTime: pid == nil ? nil : runtime.startTicks,
            restarts: runtime.restartsBefore + runtime.machine.restarts,
            restartAttempt: runtime.machine.attempt,
            failed: failed,
            maintenance: runtime.maintenance
        )
        if let service = services[name] {
            entry.ladder = service.ladder.snapshot
            entry.failover = service.failover?.progress
            entry.roles = service.roles
            entry.placement = service.failover?.placement.memory
        }
        for record in history.suffix(200) where record.target == name {
            entry.recentEvents.append(
                PersistedEvent(
                    kind: record.event,
                    message: record.message,
                    fields: record.fields,
                    wallClockMicroseconds: record.realtimeMicroseconds
                )
            )
        }
        entry.recentEvents = Array(entry.recentEvents.suffix(PersistedTargetState.eventLimit))
        return entry
    }

    /// After the targets are added at start: the restored services take up their roles, ladders and any failover
    /// that was under way.
    func resumeServices() {
        let now = MonotonicClock.now()
        for owner in services.keys.sorted() {
            guard let service = services[owner], let saved = restored(owner) else { continue }
            if let snapshot = saved.ladder {
                let (ladder, actions) = RecoveryLadder.restored(
                    target: owner,
                    config: service.config,
                    from: snapshot,
                    now: now
                )
                service.ladder = ladder
                performLadder(actions, for: service)
            }
            if let progress = saved.failover, progress.isUnderWay, service.failover != nil {
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
                record(
                    Event(
                        kind: .failoverProgress,
                        target: owner,
                        message: "\(owner): resuming the failover from \(progress.primary) that was under way "
                            + "(\(progress.phase.rawValue)) when vigild stopped",
                        fields: ["PHASE": progress.phase.rawValue, "PRIMARY": progress.primary],
                        time: now
                    )
                )
                performFailover(
                    service.failover?.resume(candidates: candidates(for: service, only: nil), now: now) ?? [],
                    for: service
                )
            }
        }
    }

    /// Whether `name` is the primary of a failover that was under way when vigild stopped: it is adopted if it
    /// still runs (the resumed failover fences it), but never started again.
    func primaryAwaitsFailover(_ name: String) -> Bool {
        guard let progress = restored(name)?.failover, progress.isUnderWay, progress.primary == name else {
            return false
        }
        return true
    }

    /// Roles restored from the state file, for `configureServices` at start.
    func restoredRoles(of owner: String, members: [String]) -> FailoverRoles? {
        guard let roles = restored(owner)?.roles, members.contains(roles.active) else { return nil }
        return FailoverRoles(active: roles.active, standbys: members.filter { $0 != roles.active })
    }
}
