import Dispatch
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// `cgroup` and `vm` targets: found, watched through inotify, eventfd and pidfd, started with their `start`
/// command, and declared dead when their cgroup empties or their main process is OOM-killed (or, for a VM, exits).
extension Engine {
    /// Runs the state machine's `spawn` for a cgroup or vm target: adopts the cgroup if it has processes, else runs
    /// the `start` command and waits for the cgroup to fill.
    func startWatched(_ runtime: TargetRuntime) {
        let now = MonotonicClock.now()
        if runtime.watched == nil {
            attachCgroup(runtime)
        }
        if let watched = runtime.watched, readPopulated(runtime, watched) {
            adopt(runtime, now: now)
            return
        }
        guard let launch = runtime.launch else {
            // Watched only: nothing to start, so an empty (or missing) cgroup is waited on, not a failed start.
            let found = runtime.watched == nil ? "does not exist" : "has no processes"
            let reason = "\(describeWatched(runtime)) \(found)"
            perform(runtime.machine.waitForProcesses(reason: reason, now: now), for: runtime)
            return
        }
        guard runtime.startCommand == nil, reclaim(runtime) else { return }
        let stream = targetOutputToJournal ? JournalStream.openStream(identifier: runtime.name, priority: 6) : nil
        defer {
            if let stream {
                close(stream)
            }
        }
        do {
            let process = try ProcessLauncher.spawn(launch, stdout: stream ?? -1, stderr: stream ?? -1)
            let name = runtime.name
            runtime.startCommand = PidfdWatcher(process: process, queue: queue) { @Sendable [weak self] exit in
                self?.startCommandExited(target: name, exit: exit)
            }
            runtime.startLaunchedAt = now
        } catch {
            perform(runtime.machine.spawnFailed(reason: "start command: \(error)", now: now), for: runtime)
        }
    }

    /// The `start` command ended: a failure fails the start; a success leaves the cgroup `start_timeout` to fill.
    func startCommandExited(target name: String, exit: PidfdWatcher.Exit) {
        guard let runtime = targets[name] else { return }
        runtime.startCommand = nil
        guard case .spawning = runtime.machine.state else { return }
        guard exit.status.isSuccess else {
            runtime.startLaunchedAt = nil
            let reason = "start command \(runtime.config.exec[0]) ended with \(exit.status)"
            perform(runtime.machine.spawnFailed(reason: reason, now: exit.noticedAt), for: runtime)
            afterChange()
            return
        }
        if runtime.watched == nil {
            attachCgroup(runtime)
        }
        if let watched = runtime.watched, readPopulated(runtime, watched) {
            adopt(runtime, now: exit.noticedAt)
        }
        afterChange()
    }

    /// Each tick: a target waiting for its cgroup finds it, or gives up after `start_timeout`; a watch-only target
    /// waiting for processes adopts them once there are some; without inotify (no cgroup v2) the cgroup's emptiness
    /// is polled.
    func pollWatched(_ runtime: TargetRuntime, now: MonotonicInstant) {
        guard runtime.config.kind != .process else { return }
        if case .waiting = runtime.machine.state {
            if runtime.watched == nil {
                attachCgroup(runtime)
            }
            if let watched = runtime.watched, readPopulated(runtime, watched) {
                adopt(runtime, now: now)
            }
            return
        }
        if case .spawning = runtime.machine.state, let launched = runtime.startLaunchedAt {
            if runtime.watched == nil {
                attachCgroup(runtime)
            }
            if let watched = runtime.watched, readPopulated(runtime, watched) {
                adopt(runtime, now: now)
            } else if now - launched >= runtime.config.startTimeout, runtime.startCommand == nil {
                runtime.startLaunchedAt = nil
                let reason =
                    "\(describeWatched(runtime)) still has no processes \(runtime.config.startTimeout.humanReadable) "
                    + "after the start command"
                perform(runtime.machine.spawnFailed(reason: reason, now: now), for: runtime)
            }
            return
        }
        guard let watched = runtime.watched, watched.eventsWatch == nil else { return }
        cgroupEventsChanged(runtime, now: now)
    }

    /// Takes the cgroup's processes as the running instance; the first listed is the main process.
    func adopt(_ runtime: TargetRuntime, now: MonotonicInstant) {
        // A domain's scope gives its checks their figures; libvirt says whether it runs (Engine+Domain.swift).
        guard runtime.config.domain == nil, let watched = runtime.watched, runtime.machine.state.awaitsProcesses,
            let pid = followMainProcess(runtime, watched)
        else { return }
        watched.instancePID = pid
        watched.populated = true
        watched.oomKillsAtAdoption = readOOMKills(runtime) ?? watched.oomKills
        runtime.startLaunchedAt = nil
        runtime.detectors = runtime.config.checks.map(CheckDetector.init)
        perform(runtime.machine.spawned(pid: pid, now: now), for: runtime)
        heartbeatProcessChanged(runtime, now: now)
    }

    /// Follows the first process of the cgroup that can still be pinned with a pidfd as the main process.
    /// - Returns: its PID, or `nil` when the cgroup has none left.
    private func followMainProcess(_ runtime: TargetRuntime, _ watched: WatchedCgroup) -> Int32? {
        let name = runtime.name
        for pid in CgroupControl.processes(in: watched.directories) {
            if let observer = try? ProcessExitObserver(
                pid: pid,
                queue: queue,
                onExit: { @Sendable [weak self] at in self?.mainExited(target: name, pid: pid, at: at) }
            ) {
                watched.mainObserver = observer
                watched.mainPID = pid
                return pid
            }
        }
        return nil
    }

    /// Finds the target's cgroup and starts watching it; leaves `watched` nil when it does not exist (yet).
    func attachCgroup(_ runtime: TargetRuntime) {
        guard let locator = cgroupLocator else { return }
        let path: String?
        if let cgroup = runtime.config.cgroup {
            path = cgroup
        } else if let machine = runtime.config.machine {
            path = MachineScopeLocator(locator: locator).cgroupPath(of: machine)
        } else {
            path = nil
        }
        guard let path else { return }
        let directories = locator.locate(path)
        guard !directories.isEmpty else { return }
        let watched = WatchedCgroup(path: path, directories: directories)
        let name = runtime.name
        if let unified = directories.unified, let inotify {
            if let watch = try? inotify.watch(unified + "/cgroup.events") {
                watched.eventsWatch = watch
                watchOwners[watch] = name
            }
            if let watch = try? inotify.watch(unified + "/memory.events") {
                watched.memoryEventsWatch = watch
                watchOwners[watch] = name
            }
        }
        if let memory = directories.controllers["memory"] {
            do {
                watched.oomNotifier = try CgroupOOMNotifier(directory: memory, queue: queue) {
                    @Sendable [weak self] in
                    self?.oomSignalled(target: name)
                }
            } catch {
                logger.warning(
                    "no OOM notification for \(memory): \(error)",
                    metadata: ["VIGIL_TARGET": "\(name)"]
                )
            }
        }
        runtime.watched = watched
        runtime.sampler = TargetSampler(directories: directories)
        watched.oomKills = readOOMKills(runtime) ?? 0
        watched.populated = readPopulated(runtime, watched)
        armPressureTriggers(for: runtime)
    }

    /// Stops watching the target's cgroup (it is dead, removed, or about to be found afresh); a process target's own
    /// cgroup is let go (`releaseProcessCgroup`).
    func detachCgroup(_ runtime: TargetRuntime) {
        releaseProcessCgroup(runtime)
        guard let watched = runtime.watched else { return }
        for watch in [watched.eventsWatch, watched.memoryEventsWatch].compactMap({ $0 }) {
            inotify?.unwatch(watch)
            watchOwners[watch] = nil
        }
        watched.close()
        disarmPressureTriggers(for: runtime.name)
        runtime.watched = nil
        runtime.sampler = nil
    }

    /// inotify reported changes: `cgroup.events` (populated) or `memory.events` (OOM kills).
    func cgroupFilesChanged(_ changes: [(watch: Int32, change: InotifyWatcher.Change)]) {
        let now = MonotonicClock.now()
        for (watch, _) in changes {
            if reclaimWatchChanged(watch) {
                continue
            }
            guard let name = watchOwners[watch], let runtime = targets[name], let watched = runtime.watched else {
                continue
            }
            if watch == watched.memoryEventsWatch {
                checkOOMKills(runtime, now: now)
            } else if watch == watched.eventsWatch {
                checkOOMKills(runtime, now: now)
                cgroupEventsChanged(runtime, now: now)
            }
        }
        afterChange()
    }

    /// The v1 memory controller signalled an OOM in the target's cgroup. The signal comes as the cgroup enters
    /// OOM, before the kill: the counter is read again every 2 ms until it moves, for up to a second.
    func oomSignalled(target name: String, attempt: Int = 0) {
        guard let runtime = targets[name], let watched = runtime.watched else { return }
        let before = watched.oomKills
        checkOOMKills(runtime, now: MonotonicClock.now())
        afterChange()
        guard runtime.watched === watched, watched.oomKills == before, attempt < 500 else { return }
        queue.asyncAfter(deadline: .now() + .milliseconds(2)) { @Sendable [weak self] in
            self?.oomSignalled(target: name, attempt: attempt + 1)
        }
    }

    /// Reports new OOM kills; if the main process is among the dead, the instance is over.
    func checkOOMKills(_ runtime: TargetRuntime, now: MonotonicInstant) {
        guard let watched = runtime.watched, let count = readOOMKills(runtime), count > watched.oomKills else {
            return
        }
        let before = watched.oomKills
        watched.oomKills = count
        record(
            Event(
                kind: .cgroupOOMKill,
                target: runtime.name,
                message:
                    "\(runtime.name): the kernel OOM-killed \(count - before) process(es) in cgroup \(watched.path)",
                fields: ["CGROUP": watched.path, "OOM_KILLS": String(count), "OOM_KILLS_BEFORE": String(before)],
                time: now
            )
        )
        if watched.instancePID != nil, watched.mainPID == nil, watched.pendingCause == nil {
            end(runtime, cause: "main process OOM-killed", now: now)
        }
    }

    /// `cgroup.events` changed (or, without inotify, a tick came): the cgroup filled or emptied.
    func cgroupEventsChanged(_ runtime: TargetRuntime, now: MonotonicInstant) {
        guard let watched = runtime.watched else { return }
        let populated = readPopulated(runtime, watched)
        guard populated != watched.populated else { return }
        watched.populated = populated
        if populated {
            if runtime.machine.state.awaitsProcesses {
                adopt(runtime, now: now)
            }
            return
        }
        record(
            Event(
                kind: .cgroupEmptied,
                target: runtime.name,
                message: "\(runtime.name): cgroup \(watched.path) has no processes left (populated 0)",
                fields: ["CGROUP": watched.path, "POPULATED": "0"],
                time: now
            )
        )
        lost(runtime, now: now)
    }

    /// The main process exited. A VM is dead with it; a cgroup only if the kernel OOM-killed it, else the next
    /// process in the cgroup becomes the main one.
    func mainExited(target name: String, pid: Int32, at now: MonotonicInstant) {
        guard let runtime = targets[name], let watched = runtime.watched, watched.mainPID == pid else { return }
        watched.mainObserver = nil
        watched.mainPID = nil
        let oomKilled = (readOOMKills(runtime) ?? 0) > watched.oomKillsAtAdoption
        checkOOMKills(runtime, now: now)
        if watched.pendingCause == nil, watched.instancePID != nil {
            if oomKilled {
                end(runtime, cause: "main process OOM-killed", now: now)
            } else if runtime.config.kind == .vm {
                end(runtime, cause: "main process \(pid) exited", now: now)
            } else if readPopulated(runtime, watched) {
                _ = followMainProcess(runtime, watched)
            }
        }
        cgroupEventsChanged(runtime, now: now)
        afterChange()
    }

    /// Decides the instance is dead: kills what is left of the cgroup, and reports the death once it is empty.
    private func end(_ runtime: TargetRuntime, cause: String, now: MonotonicInstant) {
        guard let watched = runtime.watched else { return }
        watched.pendingCause = cause
        CgroupControl.signal(.kill, watched.directories)
        if !readPopulated(runtime, watched) {
            watched.populated = false
            lost(runtime, now: now)
        }
    }

    /// The instance is gone: the state machine hears of an exit with its cause, and the cgroup is let go so that
    /// the next start finds it afresh (a VM's scope is a new one after a restart).
    func lost(_ runtime: TargetRuntime, now: MonotonicInstant) {
        guard let watched = runtime.watched, let pid = watched.instancePID else { return }
        let cause =
            watched.pendingCause
            ?? ((readOOMKills(runtime) ?? 0) > watched.oomKillsAtAdoption
                ? "OOM kill, cgroup emptied" : "cgroup emptied")
        detachCgroup(runtime)
        heartbeatProcessChanged(runtime, now: now)
        perform(runtime.machine.exited(pid: pid, status: .lost(cause: cause), now: now), for: runtime)
    }

    /// The OOM-kill counter: `memory.events` in v2, else `memory.oom_control` in v1.
    func readOOMKills(_ runtime: TargetRuntime) -> UInt64? {
        guard let reader = runtime.sampler?.reader else { return nil }
        if let events = try? reader.memoryEvents() {
            return events.oomKill
        }
        return (try? reader.memoryOOMControl())??.oomKills
    }

    /// Whether the cgroup has processes: `populated` in v2's `cgroup.events`, else a non-empty `cgroup.procs`.
    func readPopulated(_ runtime: TargetRuntime, _ watched: WatchedCgroup) -> Bool {
        if watched.directories.unified != nil, let reader = runtime.sampler?.reader {
            switch Result(catching: { () throws(HealthReadError) in try reader.events() }) {
            case .success(let events?): return events.populated
            case .success(nil): break
            case .failure: return false
            }
        }
        return !CgroupControl.processes(in: watched.directories).isEmpty
    }

    func describeWatched(_ runtime: TargetRuntime) -> String {
        if let machine = runtime.config.machine {
            return "machine \(machine)" + (runtime.watched.map { " (\($0.path))" } ?? "")
        }
        return "cgroup \(runtime.config.cgroup ?? "?")"
    }
}
