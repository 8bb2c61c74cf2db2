import Dispatch
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// Process targets' own cgroups (`TargetCgroups`), and reclamation: before a target starts, whatever its last
/// instance left in its cgroup is killed, and the start waits until the cgroup is empty. A daemon that
/// double-forked out of its process group, or an instance started by a vigild killed before it could write the
/// state file, can then never run beside the new instance.
extension Engine {
    /// The process targets' cgroups, prepared at first use (this moves vigild into its leaf when it runs as a
    /// systemd service); `nil` where they cannot be had, and process targets then share vigild's cgroup as before.
    func processCgroups() -> TargetCgroups? {
        if targetCgroupsPrepared {
            return targetCgroups
        }
        targetCgroupsPrepared = true
        guard let locator = cgroupLocator else { return nil }
        do {
            let cgroups = try TargetCgroups.prepare(
                locator: locator,
                stateDirectory: loaded.config.daemon.stateDirectory,
                environment: ProcessEnvironment.current()
            )
            targetCgroups = cgroups
            let leaf = cgroups.layout.daemonLeaf.map { "; vigild runs in \($0)" } ?? ""
            logger.notice("process targets run in cgroups under \(cgroups.layout.targetsParent)\(leaf)")
            if cgroups.delegationConfirmed == false {
                let advice =
                    "systemd did not mark vigild's cgroup as delegated (trusted.delegate): keep Delegate=yes in "
                    + "vigild.service (systemd before 251 sets no mark)"
                logger.notice("\(advice)")
            }
        } catch {
            logger.warning("process targets run in vigild's own cgroup (no cgroup of their own): \(error)")
        }
        return targetCgroups
    }

    /// Before a target starts: makes a process target's cgroup, and kills what is left in the cgroup.
    /// - Returns: `true` when the start may go on now; `false` when it waits for the cgroup to empty (it is called
    ///   again then) or failed (the state machine has heard so).
    func reclaim(_ runtime: TargetRuntime) -> Bool {
        guard runtime.reclaim == nil else { return false }
        if runtime.config.kind != .process {
            guard let watched = runtime.watched else { return true }
            return reclaimLeftovers(runtime, path: watched.path, directories: watched.directories)
        }
        // A daemon another actuator starts lives where that actuator puts it.
        guard runtime.config.spawnsProcess, let cgroups = processCgroups() else { return true }
        let name = runtime.name
        let exists = cgroups.exists(name)
        if exists,
            !reclaimLeftovers(runtime, path: cgroups.path(of: name), directories: cgroups.directories(of: name))
        {
            return false
        }
        // A cgroup that was killed is made afresh: Linux 6.18 kills at birth a child that clone3 puts
        // (CLONE_INTO_CGROUP) into a cgroup that was ever killed through cgroup.kill (one that migrates there is
        // spared), and a new cgroup has never been. So is one this vigild has not made yet, or one that is gone.
        guard !exists || runtime.cgroupDirectory == nil || runtime.cgroupKilled else { return true }
        cgroups.remove(name)
        do {
            runtime.cgroupDirectory = try cgroups.create(name)
            runtime.cgroupKilled = false
        } catch {
            let reason = "cannot make its cgroup: \(error)"
            perform(runtime.machine.spawnFailed(reason: reason, now: MonotonicClock.now()), for: runtime)
            return false
        }
        return true
    }

    /// Kills the processes in the cgroup; if they are not all gone at once, waits for `populated 0` (inotify on
    /// `cgroup.events`, or a look every 5 ms on v1) for up to the target's `stop_timeout`.
    private func reclaimLeftovers(_ runtime: TargetRuntime, path: String, directories: CgroupDirectories) -> Bool {
        let pids = CgroupControl.processes(in: directories)
        guard !pids.isEmpty else { return true }
        let now = MonotonicClock.now()
        let found = pids.map { pid in "\(pid) (\((try? CgroupProcess.stat(of: pid))?.command ?? "?"))" }
        CgroupControl.signal(.kill, directories)
        runtime.cgroupKilled = true
        let pending = PendingReclaim(
            path: path,
            directories: directories,
            found: found,
            count: pids.count,
            startedAt: now,
            deadline: now + runtime.config.stopTimeout
        )
        if CgroupControl.processes(in: directories).isEmpty {
            reclaimed(runtime, pending, left: 0, now: MonotonicClock.now())
            return true
        }
        runtime.reclaim = pending
        let name = runtime.name
        if let unified = directories.unified, let inotify, let watch = try? inotify.watch(unified + "/cgroup.events") {
            pending.watch = watch
            pending.ownsWatch = runtime.watched?.eventsWatch != watch
            if pending.ownsWatch {
                watchOwners[watch] = name
            }
            // It may have emptied before the watch was in place.
            if CgroupControl.processes(in: directories).isEmpty {
                endReclaim(runtime)
                reclaimed(runtime, pending, left: 0, now: MonotonicClock.now())
                return true
            }
        }
        let timer = DispatchSource.makeTimerSource(flags: .strict, queue: queue)
        timer.setEventHandler { @Sendable [weak self] in self?.reclaimCheck(target: name) }
        let untilDeadline = DispatchTime.now() + .nanoseconds(Int(runtime.config.stopTimeout.nanoseconds))
        if pending.watch == nil {
            timer.schedule(deadline: .now() + .milliseconds(5), repeating: .milliseconds(5), leeway: .milliseconds(1))
        } else {
            timer.schedule(deadline: untilDeadline, leeway: .milliseconds(1))
        }
        timer.activate()
        pending.timer = timer
        return false
    }

    /// The cgroup of a reclamation under way changed, or its timer fired: the start goes on once the cgroup is
    /// empty, and fails at the deadline.
    func reclaimCheck(target name: String) {
        guard let runtime = targets[name], let pending = runtime.reclaim else { return }
        let now = MonotonicClock.now()
        let left = CgroupControl.processes(in: pending.directories)
        if !left.isEmpty, now < pending.deadline {
            // Without cgroup.kill (cgroup v1, kernels before 5.14), what was forked since the last look is signalled
            // too.
            CgroupControl.signal(.kill, pending.directories)
            return
        }
        endReclaim(runtime)
        reclaimed(runtime, pending, left: left.count, now: now)
        if case .spawning = runtime.machine.state {
            if left.isEmpty {
                spawn(runtime)
            } else {
                let reason =
                    "\(left.count) process(es) still in cgroup \(pending.path) "
                    + "\(runtime.config.stopTimeout.humanReadable) after SIGKILL"
                perform(runtime.machine.spawnFailed(reason: reason, now: now), for: runtime)
            }
        }
        afterChange()
    }

    /// A watched `cgroup.events` changed: a reclamation waiting on it looks at its cgroup again.
    /// - Returns: whether the watch is the reclamation's alone (a `cgroup` target's is also its cgroup's watch,
    ///   which the caller then handles as well).
    func reclaimWatchChanged(_ watch: Int32) -> Bool {
        guard let name = watchOwners[watch], let runtime = targets[name], let pending = runtime.reclaim,
            pending.watch == watch
        else { return false }
        let owned = pending.ownsWatch
        reclaimCheck(target: name)
        return owned
    }

    /// Stops a reclamation's timer and watch.
    func endReclaim(_ runtime: TargetRuntime) {
        guard let pending = runtime.reclaim else { return }
        pending.cancel()
        if let watch = pending.watch, pending.ownsWatch {
            inotify?.unwatch(watch)
            watchOwners[watch] = nil
        }
        runtime.reclaim = nil
    }

    private func reclaimed(_ runtime: TargetRuntime, _ pending: PendingReclaim, left: Int, now: MonotonicInstant) {
        let took = now - pending.startedAt
        let listed = pending.found.prefix(10).joined(separator: ", ") + (pending.count > 10 ? ", …" : "")
        let outcome =
            left == 0
            ? "the cgroup was empty after \(took.humanReadable)"
            : "\(left) still there after \(took.humanReadable)"
        record(
            Event(
                kind: .targetReclaimed,
                target: runtime.name,
                message: "\(runtime.name): killed \(pending.count) process(es) left in cgroup \(pending.path) before "
                    + "starting it: \(listed); \(outcome)",
                fields: [
                    "CGROUP": pending.path,
                    "COUNT": String(pending.count),
                    "PIDS": pending.found.map { String($0.prefix { $0 != " " }) }.joined(separator: " "),
                    "RECLAIM_USEC": String(took.microseconds),
                    "LEFT": String(left),
                ],
                time: now
            )
        )
    }

    /// `SIGKILL` for a process target reaches its whole cgroup, not only its process group.
    func killProcessCgroup(_ runtime: TargetRuntime) {
        guard runtime.config.kind == .process, runtime.cgroupDirectory != nil, let cgroups = targetCgroups else {
            return
        }
        CgroupControl.signal(.kill, cgroups.directories(of: runtime.name))
        runtime.cgroupKilled = true
    }

    /// At vigild's start: a process target whose cgroup still has processes is running, whatever the state file
    /// says (vigild may have been killed between `clone` and writing it). The persisted PID is adopted if it is in
    /// the cgroup, else the oldest process there.
    /// - Returns: the PID to adopt and its start time, or `nil` when the cgroup is empty or there is none.
    func cgroupAdoption(_ runtime: TargetRuntime, saved: PersistedTargetState?) -> (pid: Int32, startTicks: UInt64)? {
        guard let cgroups = processCgroups() else { return nil }
        var candidates: [(pid: Int32, startTicks: UInt64)] = []
        for pid in cgroups.processes(of: runtime.name) {
            guard let stat = try? CgroupProcess.stat(of: pid), stat.state != .zombie, let ticks = stat.startTicks
            else { continue }
            if pid == saved?.pid, ticks == saved?.pidStartTime {
                runtime.cgroupDirectory = cgroups.directory(of: runtime.name)
                runtime.cgroupKilled = true
                return (pid, ticks)
            }
            candidates.append((pid, ticks))
        }
        runtime.cgroupDirectory = candidates.isEmpty ? nil : cgroups.directory(of: runtime.name)
        runtime.cgroupKilled = true
        guard let oldest = candidates.min(by: { ($0.startTicks, $0.pid) < ($1.startTicks, $1.pid) }) else {
            return nil
        }
        let path = cgroups.path(of: runtime.name)
        let message =
            "\(runtime.name): its cgroup \(path) has \(candidates.count) process(es) the state file does not name; "
            + "adopting the oldest, pid \(oldest.pid)"
        logger.notice(
            "\(message)",
            metadata: ["VIGIL_TARGET": "\(runtime.name)", "VIGIL_PID": "\(oldest.pid)"]
        )
        return oldest
    }

    /// When a process target is let go: its cgroup is removed if empty. A target removed from the configuration
    /// has what is left in its cgroup killed first, and the cgroup removed once empty; on vigild's stop, a cgroup
    /// that still has processes stays (a restarted vigild adopts them).
    func releaseProcessCgroup(_ runtime: TargetRuntime) {
        endReclaim(runtime)
        guard runtime.config.kind == .process, runtime.cgroupDirectory != nil, let cgroups = targetCgroups else {
            return
        }
        runtime.cgroupDirectory = nil
        let name = runtime.name
        if cgroups.remove(name) || !runtime.whenDown.isRemove {
            return
        }
        CgroupControl.signal(.kill, cgroups.directories(of: name))
        removeWhenEmpty(name, cgroups, until: MonotonicClock.now() + runtime.config.stopTimeout)
    }

    /// vigild is exiting: a process target's cgroup that it killed on the way out (the SIGKILL after `stop_timeout`)
    /// may still hold processes the kernel has not finished; vigild waits for them here, at most a second, so that
    /// it leaves no cgroup that empties a moment later. Blocking is harmless now: nothing runs after this.
    func awaitKilledProcessCgroups() {
        guard let cgroups = targetCgroups else { return }
        let killed = targets.values.filter {
            $0.config.kind == .process && $0.cgroupKilled && $0.cgroupDirectory != nil
        }
        let deadline = MonotonicClock.now() + .seconds(1)
        while killed.contains(where: { !cgroups.processes(of: $0.name).isEmpty }), MonotonicClock.now() < deadline {
            MonotonicClock.sleep(until: MonotonicClock.now() + .milliseconds(1))
        }
    }

    private func removeWhenEmpty(_ name: String, _ cgroups: TargetCgroups, until deadline: MonotonicInstant) {
        queue.asyncAfter(deadline: .now() + .milliseconds(10)) { @Sendable [weak self] in
            guard let self, self.targets[name] == nil, !cgroups.remove(name) else { return }
            if MonotonicClock.now() < deadline {
                self.removeWhenEmpty(name, cgroups, until: deadline)
            } else {
                self.logger.warning("cgroup \(cgroups.path(of: name)) of removed target \(name) did not empty")
            }
        }
    }
}
