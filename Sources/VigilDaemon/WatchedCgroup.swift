import VigilCore
import VigilLinux

/// How vigild watches the cgroup of a `cgroup` or `vm` target. Confined to the engine queue, like the engine.
///
/// The cgroup is alive while it has processes. vigild hears at once when it empties (inotify on `cgroup.events`)
/// and when the kernel OOM-kills in it (inotify on `memory.events` in v2, the `cgroup.event_control` eventfd in
/// v1); it follows the main process (the first in `cgroup.procs`) through a pidfd.
final class WatchedCgroup {
    /// The cgroup path (`/system.slice/db.service`, or the VM's scope).
    let path: String
    let directories: CgroupDirectories
    /// Watch descriptors of `cgroup.events` and `memory.events`, where they exist.
    var eventsWatch: Int32?
    var memoryEventsWatch: Int32?
    var oomNotifier: CgroupOOMNotifier?
    /// OOM kills counted so far, to tell a new one; and the count when the current instance was adopted.
    var oomKills: UInt64 = 0
    var oomKillsAtAdoption: UInt64 = 0
    /// Whether the cgroup had processes at the last look.
    var populated = false
    /// The main process of the current instance; `nil` while there is none.
    var mainPID: Int32?
    /// The PID the state machine knows the instance by (the first main process).
    var instancePID: Int32?
    var mainObserver: ProcessExitObserver?
    /// Why the instance is being ended, once vigild has decided it is dead (its cgroup is killed to finish it).
    var pendingCause: String?

    init(path: String, directories: CgroupDirectories) {
        self.path = path
        self.directories = directories
    }

    /// Stops every watch except the inotify descriptors, which the engine removes (it owns the inotify instance).
    func close() {
        oomNotifier?.cancel()
        oomNotifier = nil
        mainObserver?.cancel()
        mainObserver = nil
    }
}
