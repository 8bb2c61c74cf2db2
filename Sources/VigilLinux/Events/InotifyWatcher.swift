import CLinux
import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// One inotify descriptor for many files (every watched target's `cgroup.events` and `memory.events`), read by a
/// DispatchSource on the engine queue: a cgroup that empties or gets an OOM kill is seen as soon as the kernel
/// updates the file, with no polling.
///
/// cgroupfs (kernfs) files report changes of their values as `IN_MODIFY`.
public final class InotifyWatcher: Sendable {
    private let descriptor: Int32
    private let source: QueueConfined<any DispatchSourceRead>

    /// What the watcher saw on one watch: the file changed, or it went away (the cgroup was removed).
    public enum Change: Sendable, Equatable {
        case modified
        case removed
    }

    /// - Parameters:
    ///   - queue: where `onChange` runs (the engine queue).
    ///   - onChange: called with each watch descriptor that changed, once per batch of events.
    /// - Throws: `SystemError` from `inotify_init1`.
    public init(
        queue: DispatchQueue,
        onChange: @escaping @Sendable ([(watch: Int32, change: Change)]) -> Void
    )
        throws(SystemError)
    {
        let fd = try valueOrNegatedErrno("inotify_init1") { vigil_inotify_open() }
        descriptor = fd
        let readSource = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source = QueueConfined(readSource, queue: queue)
        readSource.setEventHandler { @Sendable in
            var watches = [Int32](repeating: 0, count: 256)
            var changes: [(watch: Int32, change: Change)] = []
            while true {
                let count = watches.withUnsafeMutableBufferPointer { vigil_inotify_read(fd, $0.baseAddress, 256) }
                guard count > 0 else { break }
                for raw in watches[0..<Int(count)] {
                    changes.append(raw >= 0 ? (raw, .modified) : (-raw - 1, .removed))
                }
                if count < 256 { break }
            }
            if !changes.isEmpty {
                onChange(changes)
            }
        }
        readSource.setCancelHandler { @Sendable in
            close(fd)
        }
        readSource.activate()
    }

    /// Starts watching `path` for changes.
    /// - Returns: the watch descriptor the change handler will name (the same file watched twice gives the same one).
    /// - Throws: `SystemError` from `inotify_add_watch` (`ENOENT` when the file does not exist).
    public func watch(_ path: String) throws(SystemError) -> Int32 {
        try valueOrNegatedErrno("inotify_add_watch", path) { vigil_inotify_watch(descriptor, path) }
    }

    /// Stops a watch; a watch whose file is gone is already stopped, which is not an error.
    public func unwatch(_ watch: Int32) {
        _ = vigil_inotify_unwatch(descriptor, watch)
    }

    /// Stops watching and closes the descriptor.
    public func cancel() {
        source.queue.async { @Sendable in self.source.value.cancel() }
    }
}
