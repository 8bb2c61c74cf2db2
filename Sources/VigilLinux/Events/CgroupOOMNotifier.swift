import CLinux
import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// The cgroup v1 memory controller's OOM notification: an eventfd registered through `cgroup.event_control`
/// against `memory.oom_control` (`Documentation/admin-guide/cgroup-v1/memory.rst`, section 10), which the kernel
/// signals on every OOM in the cgroup. v1 files do not report changes to inotify, so this is how an OOM kill in a
/// v1 memory cgroup is seen at once. Closing the eventfd unregisters it.
public final class CgroupOOMNotifier: Sendable {
    private let source: QueueConfined<any DispatchSourceRead>

    /// - Parameters:
    ///   - directory: the v1 memory cgroup's directory.
    ///   - queue: where `onOOM` runs.
    ///   - onOOM: called after each OOM event in the cgroup.
    /// - Throws: `SystemError` when the files cannot be opened or the registration is refused.
    public init(directory: String, queue: DispatchQueue, onOOM: @escaping @Sendable () -> Void) throws(SystemError) {
        let eventfd = try valueOrNegatedErrno("eventfd") { vigil_eventfd_open() }
        let control = directory + "/memory.oom_control"
        let oomControl: Int32
        do {
            oomControl = try valueOrErrno("open", control) { open(control, O_RDONLY | O_CLOEXEC) }
        } catch {
            close(eventfd)
            throw error
        }
        defer { close(oomControl) }
        let registration = directory + "/cgroup.event_control"
        do {
            let text = "\(eventfd) \(oomControl)"
            let fd = try valueOrErrno("open", registration) { open(registration, O_WRONLY | O_CLOEXEC) }
            defer { close(fd) }
            try valueOrErrno("write", registration) { text.withCString { write(fd, $0, strlen($0)) } }
        } catch {
            close(eventfd)
            throw error
        }
        let readSource = DispatchSource.makeReadSource(fileDescriptor: eventfd, queue: queue)
        source = QueueConfined(readSource, queue: queue)
        readSource.setEventHandler { @Sendable in
            if vigil_eventfd_take(eventfd) > 0 {
                onOOM()
            }
        }
        readSource.setCancelHandler { @Sendable in
            close(eventfd)
        }
        readSource.activate()
    }

    /// Unregisters. Call on the queue given at `init`.
    public func cancel() {
        source.value.cancel()
    }
}
