import Dispatch
import VigilCore
import VigilLinux

/// The state file: what vigild writes on every transition and reads back when it starts, so that a restart of
/// vigild (crash, upgrade, `systemctl restart`) adopts what runs instead of starting it twice, keeps the roles of a
/// failed-over service, and finishes a failover that was under way. Confined to the engine queue.
final class StatePersistence {
    unowned let engine: Engine
    /// Writes off the engine queue.
    private var writer: StateWriter?
    /// What was found at start; forgotten once the targets are added (it speaks of that moment only).
    private var restoredState: PersistedState?
    /// Something worth persisting happened since the state file was last written.
    private var dirty = false
    private var generation: UInt64 = 0
    /// Whether the last write of the state file worked (`vigil_state_file_writable`).
    private var lastWriteWorked = true

    init(engine: Engine) {
        self.engine = engine
    }

    /// Reads the state file at start; a corrupt one was set aside by the store, and is reported.
    func load() {
        let writer = StateWriter(store: StateStore(directory: engine.loaded.config.daemon.stateDirectory))
        self.writer = writer
        let load = writer.store.load()
        // Not nil while the targets are first added, even without a file: adoption looks at their cgroups then.
        restoredState = load.state ?? PersistedState(generation: 0, hostMaintenance: false)
        generation = load.state?.generation ?? 0
        if let problem = load.problem {
            var fields = ["ERROR": problem.description, "STATE_FILE": writer.store.path]
            fields["SET_ASIDE"] = load.setAside
            let kept = load.setAside.map { "; kept as \($0)" } ?? ""
            engine.events.record(
                Event(
                    kind: .stateFileCorrupt,
                    message: "state file \(writer.store.path) unusable: \(problem)\(kept); starting from what runs now",
                    fields: fields,
                    time: engine.now
                )
            )
        }
    }

    /// Whether the state file could be written the last time; `nil` without a state file.
    var writable: Bool? {
        writer == nil ? nil : lastWriteWorked
    }

    /// Whether the targets are being added at vigild's start (what runs is adopted then).
    var readAtStart: Bool { restoredState != nil }

    func forgetRestored() {
        restoredState = nil
    }

    /// What the state file says about `name`, if it was read at start.
    func restored(_ name: String) -> PersistedTargetState? {
        restoredState?.targets[name]
    }

    /// Whether `name` is the primary of a failover that was under way when vigild stopped: it is adopted if it
    /// still runs (the resumed failover fences it), but never started again.
    func primaryAwaitsFailover(_ name: String) -> Bool {
        guard let progress = restored(name)?.failover, progress.isUnderWay, progress.primary == name else {
            return false
        }
        return true
    }

    func markDirty() {
        dirty = true
    }

    /// Writes the state file now, on the engine queue, before going on: for the transitions a restart of vigild
    /// must never miss (a service member's new process, a failover's new roles), where the few milliseconds of a
    /// synchronous write buy "no second instance" after a SIGKILL of vigild right afterwards.
    func saveNow() {
        guard let writer else { return }
        writer.flush()
        do {
            try writer.store.save(current())
            dirty = false
            lastWriteWorked = true
        } catch {
            dirty = true
            lastWriteWorked = false
            engine.logger.error("cannot write the state file: \(error)", metadata: ["VIGIL_ERROR": "\(error)"])
        }
    }

    /// Writes the state file if anything was recorded since the last write.
    func saveIfChanged() {
        guard dirty, let writer else { return }
        dirty = false
        writer.save(current()) { @Sendable [weak engine] problem in
            engine?.post(.stateWriteChanged(problem: problem))
        }
    }

    /// The state writer failed, or works again.
    func writeChanged(problem: String?) {
        lastWriteWorked = problem == nil
        guard let problem else {
            engine.logger.notice("the state file is written again")
            return
        }
        engine.events.record(
            Event(
                kind: .stateFileUnwritable,
                message: "cannot write the state file: \(problem); a restart of vigild will not find this state",
                fields: ["ERROR": problem, "STATE_FILE": writer?.store.path ?? ""],
                time: engine.now
            )
        )
    }

    /// vigild is exiting: the last state is written and waited for.
    func finish() {
        saveIfChanged()
        writer?.flush()
    }

    private func current() -> PersistedState {
        generation += 1
        var state = PersistedState(generation: generation, hostMaintenance: engine.targets.hostMaintenance)
        for supervisor in engine.targets.all {
            state.targets[supervisor.name] = persisted(supervisor)
        }
        return state
    }

    private func persisted(_ supervisor: TargetSupervisor) -> PersistedTargetState {
        let name = supervisor.name
        var failed = false
        if case .failed = supervisor.machine.state {
            failed = true
        }
        let pid = supervisor.driver.holdsProcess ? supervisor.machine.state.pid : nil
        var entry = PersistedTargetState(
            role: engine.recovery.isStandby(name) ? .standby : .primary,
            pid: pid,
            pidStartTime: pid == nil ? nil : supervisor.driver.startTicks,
            restarts: supervisor.totalRestarts,
            restartAttempt: supervisor.machine.attempt,
            failed: failed,
            maintenance: supervisor.maintenance
        )
        engine.recovery.persist(into: &entry, for: name)
        for record in engine.events.history.suffix(200) where record.target == name {
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
}
