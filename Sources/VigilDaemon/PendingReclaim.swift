import Dispatch
import VigilCore
import VigilLinux

/// A reclamation under way: what was left in a target's cgroup has been sent `SIGKILL`, and the target's start waits
/// until the cgroup is empty (or gives up after its `stop_timeout`). Confined to the engine queue, like the engine.
final class PendingReclaim {
    /// The cgroup path, for the event.
    let path: String
    let directories: CgroupDirectories
    /// The processes found, as `PID (comm)`, and how many there were.
    let found: [String]
    let count: Int
    let startedAt: MonotonicInstant
    let deadline: MonotonicInstant
    /// The inotify watch on the cgroup's `cgroup.events`, and whether it is this reclamation's to remove (a `cgroup`
    /// target's watch is shared with the one that follows its cgroup).
    var watch: Int32?
    var ownsWatch = false
    /// Fires at the deadline; without a watch (cgroup v1) it also fires every few milliseconds to look again.
    var timer: (any DispatchSourceTimer)?

    init(
        path: String,
        directories: CgroupDirectories,
        found: [String],
        count: Int,
        startedAt: MonotonicInstant,
        deadline: MonotonicInstant
    ) {
        self.path = path
        self.directories = directories
        self.found = found
        self.count = count
        self.startedAt = startedAt
        self.deadline = deadline
    }

    /// Stops the timer; the engine removes the watch (it owns the inotify instance).
    func cancel() {
        timer?.cancel()
        timer = nil
    }
}
