import Dispatch
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// `cgroup` targets and `vm` targets found by their `machine` scope: found, watched through inotify, eventfd and
/// pidfd, started with their `start` command, and declared dead when their cgroup empties or their main process is
/// OOM-killed (or, for a VM, exits). Stopping vigild leaves them running. Confined to the engine queue.
final class CgroupDriver: TargetDriver {
    weak var supervisor: TargetSupervisor!
    /// The `start` command, if the target has one.
    private let launch: LaunchSpec?
    /// Whether the main process is the instance (a VM's emulator): its exit is the end.
    private let mainProcessIsInstance: Bool
    /// The target's cgroup, while it exists.
    private var watched: CgroupWatch?
    /// The `start` command while it runs (it may go on as the instance itself; vigild reaps it).
    private var startCommand: PidfdWatcher?
    /// Where a start by the `start` command is.
    private var launching: Launching = .none

    private enum Launching {
        /// No start by the command is under way (an instance found running is adopted, not started).
        case none
        /// Leftovers are being killed before the `start` command runs.
        case reclaiming(Reclamation)
        /// The `start` command was launched at `since`; the cgroup has `start_timeout` from then to fill.
        case launched(since: MonotonicInstant)
    }

    init(launch: LaunchSpec?, mainProcessIsInstance: Bool) {
        self.launch = launch
        self.mainProcessIsInstance = mainProcessIsInstance
    }

    var hasInstance: Bool { watched?.mainPID != nil }
    var holdsProcess: Bool { false }
    var stopsWithVigild: Bool { false }
    var mainPID: Int32? { watched?.mainPID }

    /// The cgroup path the target names: `cgroup`, or the scope of its `machine`.
    private var path: String? {
        if let cgroup = config.cgroup {
            return cgroup
        }
        guard let machine = config.machine, let locator = engine.health.cgroupLocator else { return nil }
        return MachineScopeLocator(locator: locator).cgroupPath(of: machine)
    }

    private var described: String {
        if let machine = config.machine {
            return "machine \(machine)" + (watched.map { " (\($0.path))" } ?? "")
        }
        return "cgroup \(config.cgroup ?? "?")"
    }

    private func attachCgroup() {
        guard watched == nil, let path else { return }
        watched = CgroupWatch.attach(path: path, for: supervisor)
    }

    /// Stops watching the cgroup (it is dead, removed, or about to be found afresh).
    private func detachCgroup() {
        watched?.close()
        watched = nil
        supervisor.sampler = nil
    }

    // MARK: - Starting

    /// Adopts the cgroup if it has processes, else runs the `start` command and waits for the cgroup to fill.
    func start() {
        let now = engine.now
        attachCgroup()
        if let watched, watched.readPopulated() {
            adopt(now: now)
            return
        }
        guard let launch else {
            // Watched only: nothing to start, so an empty (or missing) cgroup is waited on, not a failed start.
            supervisor.waitForInstance("\(described) \(watched == nil ? "does not exist" : "has no processes")")
            return
        }
        guard startCommand == nil, reclaim() else { return }
        let stream =
            engine.settings.targetOutputToJournal ? JournalStream.openStream(identifier: name, priority: 6) : nil
        defer {
            if let stream {
                Glibc.close(stream)
            }
        }
        do {
            let process = try ProcessLauncher.spawn(launch, stdout: stream ?? -1, stderr: stream ?? -1)
            startCommand = PidfdWatcher(process: process, queue: engine.queue) { @Sendable [weak engine, name] exit in
                engine?.handle(.target(name, .driver(.startCommandExited(exit))))
            }
            launching = .launched(since: now)
        } catch {
            supervisor.startFailed("start command: \(error)")
        }
    }

    /// Before the `start` command: whatever is left in the cgroup is killed.
    private func reclaim() -> Bool {
        if case .reclaiming = launching {
            return false
        }
        guard let watched else { return true }
        switch Reclamation.begin(
            for: supervisor,
            path: watched.path,
            directories: watched.directories,
            sharedWatch: watched.eventsWatch,
            killed: {}
        ) {
        case .empty:
            return true
        case .waiting(let pending):
            launching = .reclaiming(pending)
            return false
        }
    }

    /// The `start` command ended: a failure fails the start; a success leaves the cgroup `start_timeout` to fill.
    private func startCommandExited(_ exit: PidfdWatcher.Exit) {
        startCommand = nil
        guard supervisor.isSpawning else { return }
        guard exit.status.isSuccess else {
            launching = .none
            supervisor.startFailed("start command \(config.exec[0]) ended with \(exit.status)")
            return
        }
        attachCgroup()
        if let watched, watched.readPopulated() {
            adopt(now: exit.noticedAt)
        }
    }

    /// Takes the cgroup's processes as the running instance; the first listed is the main process.
    private func adopt(now: MonotonicInstant) {
        guard let watched, supervisor.awaitsInstance, let pid = watched.followMainProcess() else { return }
        watched.instancePID = pid
        watched.populated = true
        watched.oomKillsAtAdoption = watched.readOOMKills() ?? watched.oomKills
        var foundRunning = true
        if case .launched = launching {
            foundRunning = false
        }
        launching = .none
        supervisor.instanceStarted(pid: pid, at: now, adopted: foundRunning)
    }

    /// Each tick: a target waiting for its cgroup finds it, or gives up after `start_timeout`; without inotify
    /// (no cgroup v2) the cgroup's emptiness is polled.
    func poll(now: MonotonicInstant) {
        if case .waiting = supervisor.machine.state {
            attachCgroup()
            if let watched, watched.readPopulated() {
                adopt(now: now)
            }
            return
        }
        if supervisor.isSpawning, case .launched(let launched) = launching {
            attachCgroup()
            if let watched, watched.readPopulated() {
                adopt(now: now)
            } else if now - launched >= config.startTimeout, startCommand == nil {
                launching = .none
                supervisor.startFailed(
                    "\(described) still has no processes \(config.startTimeout.humanReadable) after the start command"
                )
            }
            return
        }
        guard let watched, watched.eventsWatch == nil else { return }
        eventsChanged(now: now)
    }

    // MARK: - Events

    func handle(_ event: DriverEvent) {
        switch event {
        case .startCommandExited(let exit):
            startCommandExited(exit)
        case .mainExited(let pid, let at):
            mainExited(pid: pid, at: at)
        case .oomSignalled(let attempt):
            oomSignalled(attempt: attempt)
        case .reclaimCheck:
            reclaimCheck()
        default:
            break
        }
    }

    private func reclaimCheck() {
        guard case .reclaiming(let pending) = launching, let left = pending.check() else { return }
        launching = .none
        reclamationEnded(pending, left: left)
    }

    /// inotify: `cgroup.events` (populated) or `memory.events` (OOM kills) changed.
    func fileChanged(watch: Int32, now: MonotonicInstant) {
        if case .reclaiming(let pending) = launching, pending.watch == watch {
            reclaimCheck()
            if pending.owns(watch) {
                return
            }
        }
        guard let watched else { return }
        if watch == watched.memoryEventsWatch {
            checkOOMKills(now: now)
        } else if watch == watched.eventsWatch {
            checkOOMKills(now: now)
            eventsChanged(now: now)
        }
    }

    /// The v1 memory controller signalled an OOM in the cgroup. The signal comes as the cgroup enters OOM, before
    /// the kill: the counter is read again every 2 ms until it moves, for up to a second.
    private func oomSignalled(attempt: Int) {
        guard let watched else { return }
        let before = watched.oomKills
        checkOOMKills(now: engine.now)
        guard self.watched === watched, watched.oomKills == before, attempt < 500 else { return }
        engine.after(.milliseconds(2), post: .target(name, .driver(.oomSignalled(attempt: attempt + 1))))
    }

    /// Reports new OOM kills; if the main process is among the dead, the instance is over.
    private func checkOOMKills(now: MonotonicInstant) {
        guard let watched, watched.reportOOMKills(now: now) else { return }
        if watched.instancePID != nil, watched.mainPID == nil, watched.pendingCause == nil {
            end(cause: "main process OOM-killed", now: now)
        }
    }

    /// `cgroup.events` changed (or, without inotify, a tick came): the cgroup filled or emptied.
    private func eventsChanged(now: MonotonicInstant) {
        guard let watched else { return }
        let populated = watched.readPopulated()
        guard populated != watched.populated else { return }
        watched.populated = populated
        if populated {
            if supervisor.awaitsInstance {
                adopt(now: now)
            }
            return
        }
        engine.events.record(
            Event(
                kind: .cgroupEmptied,
                target: name,
                message: "\(name): cgroup \(watched.path) has no processes left (populated 0)",
                fields: ["CGROUP": watched.path, "POPULATED": "0"],
                time: now
            )
        )
        lost(now: now)
    }

    /// The main process exited. A VM is dead with it; a cgroup only if the kernel OOM-killed it, else the next
    /// process in the cgroup becomes the main one.
    private func mainExited(pid: Int32, at now: MonotonicInstant) {
        guard let watched, watched.mainPID == pid else { return }
        watched.mainProcessExited()
        let oomKilled = (watched.readOOMKills() ?? 0) > watched.oomKillsAtAdoption
        checkOOMKills(now: now)
        if watched.pendingCause == nil, watched.instancePID != nil {
            if oomKilled {
                end(cause: "main process OOM-killed", now: now)
            } else if mainProcessIsInstance {
                end(cause: "main process \(pid) exited", now: now)
            } else if watched.readPopulated() {
                _ = watched.followMainProcess()
            }
        }
        eventsChanged(now: now)
    }

    /// Decides the instance is dead: kills what is left of the cgroup, and reports the death once it is empty.
    private func end(cause: String, now: MonotonicInstant) {
        guard let watched else { return }
        watched.pendingCause = cause
        CgroupControl.signal(.kill, watched.directories)
        if !watched.readPopulated() {
            watched.populated = false
            lost(now: now)
        }
    }

    /// The instance is gone: the state machine hears of an exit with its cause, and the cgroup is let go so that
    /// the next start finds it afresh (a VM's scope is a new one after a restart).
    private func lost(now: MonotonicInstant) {
        guard let watched, let pid = watched.instancePID else { return }
        let cause =
            watched.pendingCause
            ?? ((watched.readOOMKills() ?? 0) > watched.oomKillsAtAdoption
                ? "OOM kill, cgroup emptied" : "cgroup emptied")
        detachCgroup()
        supervisor.instanceEnded(pid: pid, status: .lost(cause: cause), at: now)
    }

    // MARK: - Signals and letting go

    /// The whole cgroup is signalled.
    func signal(_ signal: VigilCore.Signal) {
        guard let watched else { return }
        CgroupControl.signal(signal, watched.directories)
    }

    func close(removed: Bool) {
        if case .reclaiming(let pending) = launching {
            pending.cancel()
        }
        launching = .none
        startCommand?.cancel()
        startCommand = nil
        if watched != nil {
            detachCgroup()
        }
    }
}
