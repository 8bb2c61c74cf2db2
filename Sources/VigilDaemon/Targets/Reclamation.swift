import VigilCore
import VigilLinux

/// Before a target starts, whatever its last instance left in its cgroup is killed, and the start waits until the
/// cgroup is empty (or gives up after the target's `stop_timeout`). A daemon that double-forked out of its process
/// group, or an instance started by a vigild killed before it could write the state file, can then never run beside
/// the new instance. Confined to the engine queue.
final class Reclamation {
    /// The cgroup path, for the event.
    let path: String
    let directories: CgroupDirectories
    /// The processes found, as `PID (comm)`, and how many there were.
    private let found: [String]
    private let count: Int
    private let startedAt: MonotonicInstant
    private let deadline: MonotonicInstant
    /// The inotify watch on the cgroup's `cgroup.events`, and whether it is this reclamation's to remove (a `cgroup`
    /// target's watch is shared with the one that follows its cgroup).
    private(set) var watch: Int32?
    private var ownsWatch = false
    /// Fires at the deadline; without a watch (cgroup v1) it also fires every few milliseconds to look again.
    private var timer: (any EngineTimer)?
    private unowned let supervisor: TargetSupervisor

    /// What a reclamation came to.
    enum Result {
        /// The cgroup was empty (at once, or by now): the start goes on.
        case empty
        /// The start waits for the cgroup to empty; the driver hears `.reclaimCheck` or its watch.
        case waiting(Reclamation)
    }

    private init(
        supervisor: TargetSupervisor,
        path: String,
        directories: CgroupDirectories,
        found: [String],
        count: Int,
        startedAt: MonotonicInstant
    ) {
        self.supervisor = supervisor
        self.path = path
        self.directories = directories
        self.found = found
        self.count = count
        self.startedAt = startedAt
        self.deadline = startedAt + supervisor.config.stopTimeout
    }

    /// Kills the processes in the cgroup; if they are not all gone at once, waits for `populated 0` (inotify on
    /// `cgroup.events`, or a look every 5 ms on v1) for up to the target's `stop_timeout`.
    /// - Parameters:
    ///   - sharedWatch: the watch the target already has on this cgroup's `cgroup.events`, if any.
    ///   - killed: called when the cgroup was signalled (it must be made afresh before a `clone3` into it).
    static func begin(
        for supervisor: TargetSupervisor,
        path: String,
        directories: CgroupDirectories,
        sharedWatch: Int32? = nil,
        killed: () -> Void
    ) -> Result {
        let pids = CgroupControl.processes(in: directories)
        guard !pids.isEmpty else { return .empty }
        let engine = supervisor.engine
        let found = pids.map { pid in "\(pid) (\((try? CgroupProcess.stat(of: pid))?.command ?? "?"))" }
        CgroupControl.signal(.kill, directories)
        killed()
        let reclamation = Reclamation(
            supervisor: supervisor,
            path: path,
            directories: directories,
            found: found,
            count: pids.count,
            startedAt: engine.now
        )
        if CgroupControl.processes(in: directories).isEmpty {
            reclamation.finish(left: 0)
            return .empty
        }
        if let unified = directories.unified {
            if let sharedWatch {
                reclamation.watch = sharedWatch
            } else if let watch = engine.health.watch(unified + "/cgroup.events", for: supervisor.name) {
                reclamation.watch = watch
                reclamation.ownsWatch = true
            }
            // It may have emptied before the watch was in place.
            if reclamation.watch != nil, CgroupControl.processes(in: directories).isEmpty {
                reclamation.finish(left: 0)
                return .empty
            }
        }
        let name = supervisor.name
        let check: @Sendable () -> Void = { @Sendable [weak engine] in
            engine?.handle(.target(name, .driver(.reclaimCheck)))
        }
        if reclamation.watch == nil {
            reclamation.timer = engine.scheduler.makeRepeatingTimer(
                on: engine.queue,
                every: .milliseconds(5),
                leeway: .milliseconds(1),
                check
            )
        } else {
            let timer = engine.scheduler.makeTimer(on: engine.queue, check)
            timer.arm(at: reclamation.deadline)
            reclamation.timer = timer
        }
        return .waiting(reclamation)
    }

    /// Looks at the cgroup again (its watch changed, or the timer fired).
    /// - Returns: `nil` while it waits; else how many processes were left (0: the start may go on).
    func check() -> Int? {
        let now = supervisor.engine.now
        let left = CgroupControl.processes(in: directories)
        if !left.isEmpty, now < deadline {
            // Without cgroup.kill (cgroup v1, kernels before 5.14), what was forked since the last look is signalled
            // too.
            CgroupControl.signal(.kill, directories)
            return nil
        }
        finish(left: left.count)
        return left.count
    }

    /// Stops the timer and the watch, and records the `target-reclaimed` event.
    private func finish(left: Int) {
        cancel()
        let now = supervisor.engine.now
        let took = now - startedAt
        let listed = found.prefix(10).joined(separator: ", ") + (count > 10 ? ", …" : "")
        let outcome =
            left == 0
            ? "the cgroup was empty after \(took.humanReadable)"
            : "\(left) still there after \(took.humanReadable)"
        let name = supervisor.name
        supervisor.engine.events.record(
            Event(
                kind: .targetReclaimed,
                target: name,
                message: "\(name): killed \(count) process(es) left in cgroup \(path) before starting it: \(listed); "
                    + outcome,
                fields: [
                    "CGROUP": path,
                    "COUNT": String(count),
                    "PIDS": found.map { String($0.prefix { $0 != " " }) }.joined(separator: " "),
                    "RECLAIM_USEC": String(took.microseconds),
                    "LEFT": String(left),
                ],
                time: now
            )
        )
    }

    /// Stops the timer and removes the watch if it is the reclamation's own.
    func cancel() {
        timer?.cancel()
        timer = nil
        if let watch, ownsWatch {
            supervisor.engine.health.unwatch(watch)
        }
        ownsWatch = false
    }

    /// Whether the change of `watch` is the reclamation's alone (a `cgroup` target's is also its cgroup's watch).
    func owns(_ watch: Int32) -> Bool {
        self.watch == watch && ownsWatch
    }

    /// Why the start could not go on.
    func failure(left: Int) -> String {
        "\(left) process(es) still in cgroup \(path) \(supervisor.config.stopTimeout.humanReadable) after SIGKILL"
    }
}
