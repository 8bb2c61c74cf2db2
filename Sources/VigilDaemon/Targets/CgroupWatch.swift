import VigilCore
import VigilLinux

/// How vigild watches the cgroup of a `cgroup` or `vm` target. Confined to the engine queue.
///
/// The cgroup is alive while it has processes. vigild hears at once when it empties (inotify on `cgroup.events`)
/// and when the kernel OOM-kills in it (inotify on `memory.events` in v2, the `cgroup.event_control` eventfd in
/// v1); it follows the main process (the first in `cgroup.procs`) through a pidfd.
final class CgroupWatch {
    /// The cgroup path (`/system.slice/db.service`, or the VM's scope).
    let path: String
    let directories: CgroupDirectories
    /// Reads `cgroup.events`, `memory.events` and `memory.oom_control`; the checks' sampler shares it.
    let reader: CgroupReader
    /// Watch descriptors of `cgroup.events` and `memory.events`, where they exist.
    private(set) var eventsWatch: Int32?
    private(set) var memoryEventsWatch: Int32?
    private var oomNotifier: CgroupOOMNotifier?
    /// OOM kills counted so far, to tell a new one; and the count when the current instance was adopted.
    var oomKills: UInt64 = 0
    var oomKillsAtAdoption: UInt64 = 0
    /// Whether the cgroup had processes at the last look.
    var populated = false
    /// The main process of the current instance; `nil` while there is none.
    private(set) var mainPID: Int32?
    /// The PID the state machine knows the instance by (the first main process).
    var instancePID: Int32?
    private var mainObserver: ProcessExitObserver?
    /// Why the instance is being ended, once vigild has decided it is dead (its cgroup is killed to finish it).
    var pendingCause: String?
    private unowned let engine: Engine
    private let owner: String

    /// Finds the cgroup at `path` and starts watching it for target `owner`; `nil` when it does not exist (yet).
    /// The checks' sampler reads the same cgroup, and its PSI triggers are armed.
    static func attach(path: String, for supervisor: TargetSupervisor) -> CgroupWatch? {
        let engine = supervisor.engine
        guard let locator = engine.health.cgroupLocator else { return nil }
        let directories = locator.locate(path)
        guard !directories.isEmpty else { return nil }
        let sampler = TargetSampler(directories: directories)
        let watch = CgroupWatch(path: path, directories: directories, reader: sampler.reader, for: supervisor)
        supervisor.sampler = sampler
        watch.oomKills = watch.readOOMKills() ?? 0
        watch.populated = watch.readPopulated()
        if let unified = directories.unified {
            engine.health.arm(supervisor.config.checks, directory: unified, owner: supervisor.name)
        }
        return watch
    }

    private init(path: String, directories: CgroupDirectories, reader: CgroupReader, for supervisor: TargetSupervisor) {
        self.path = path
        self.directories = directories
        self.reader = reader
        self.engine = supervisor.engine
        self.owner = supervisor.name
        if let unified = directories.unified {
            eventsWatch = engine.health.watch(unified + "/cgroup.events", for: owner)
            memoryEventsWatch = engine.health.watch(unified + "/memory.events", for: owner)
        }
        if let memory = directories.controllers["memory"] {
            let name = owner
            do {
                oomNotifier = try CgroupOOMNotifier(directory: memory, queue: engine.queue) { @Sendable [weak engine] in
                    engine?.handle(.target(name, .driver(.oomSignalled(attempt: 0))))
                }
            } catch {
                engine.logger.warning(
                    "no OOM notification for \(memory): \(error)",
                    metadata: ["VIGIL_TARGET": "\(name)"]
                )
            }
        }
    }

    /// Follows the first process of the cgroup that can still be pinned with a pidfd as the main process.
    /// - Returns: its PID, or `nil` when the cgroup has none left.
    func followMainProcess() -> Int32? {
        let name = owner
        for pid in CgroupControl.processes(in: directories) {
            if let observer = try? ProcessExitObserver(
                pid: pid,
                queue: engine.queue,
                onExit: { @Sendable [weak engine] at in
                    engine?.handle(.target(name, .driver(.mainExited(pid: pid, at: at))))
                }
            ) {
                mainObserver = observer
                mainPID = pid
                return pid
            }
        }
        return nil
    }

    /// The main process is gone.
    func mainProcessExited() {
        mainObserver = nil
        mainPID = nil
    }

    /// The OOM-kill counter: `memory.events` in v2, else `memory.oom_control` in v1.
    func readOOMKills() -> UInt64? {
        if let events = try? reader.memoryEvents() {
            return events.oomKill
        }
        return (try? reader.memoryOOMControl())??.oomKills
    }

    /// Records new OOM kills in the cgroup (`cgroup-oom-kill`), if there are any since the last look.
    /// - Returns: whether there were.
    func reportOOMKills(now: MonotonicInstant) -> Bool {
        guard let count = readOOMKills(), count > oomKills else { return false }
        let before = oomKills
        oomKills = count
        engine.events.record(
            Event(
                kind: .cgroupOOMKill,
                target: owner,
                message: "\(owner): the kernel OOM-killed \(count - before) process(es) in cgroup \(path)",
                fields: ["CGROUP": path, "OOM_KILLS": String(count), "OOM_KILLS_BEFORE": String(before)],
                time: now
            )
        )
        return true
    }

    /// Whether the cgroup has processes: `populated` in v2's `cgroup.events`, else a non-empty `cgroup.procs`.
    func readPopulated() -> Bool {
        if directories.unified != nil {
            switch Result(catching: { () throws(HealthReadError) in try reader.events() }) {
            case .success(let events?): return events.populated
            case .success(nil): break
            case .failure: return false
            }
        }
        return !CgroupControl.processes(in: directories).isEmpty
    }

    /// Stops every watch and disarms the owner's PSI triggers.
    func close() {
        for watch in [eventsWatch, memoryEventsWatch].compactMap({ $0 }) {
            engine.health.unwatch(watch)
        }
        eventsWatch = nil
        memoryEventsWatch = nil
        oomNotifier?.cancel()
        oomNotifier = nil
        mainObserver?.cancel()
        mainObserver = nil
        engine.health.disarmPressureTriggers(for: owner)
    }
}
