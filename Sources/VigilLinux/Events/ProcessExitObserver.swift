import CLinux
import Dispatch
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Tells when a process that is not vigild's child exits (the main process of a watched cgroup or VM), through a
/// pidfd: readable on exit, no polling. Unlike `PidfdWatcher` it neither reaps nor signals anything.
public final class ProcessExitObserver: Sendable {
    public let pid: Int32
    private let source: QueueConfined<any DispatchSourceRead>

    /// - Parameters:
    ///   - pid: the process; `pidfd_open` pins it, so a recycled PID can never be confused with it afterwards.
    ///   - queue: where `onExit` runs.
    ///   - onExit: called once, with the instant vigild noticed the exit.
    /// - Throws: `SystemError` from `pidfd_open` (`ESRCH` when the process is already gone).
    public init(
        pid: Int32,
        queue: DispatchQueue,
        onExit: @escaping @Sendable (MonotonicInstant) -> Void
    )
        throws(SystemError)
    {
        self.pid = pid
        let pidfd = try valueOrNegatedErrno("pidfd_open", "pid \(pid)") { vigil_pidfd_open(pid) }
        let readSource = DispatchSource.makeReadSource(fileDescriptor: pidfd, queue: queue)
        let source = QueueConfined<any DispatchSourceRead>(readSource, queue: queue)
        self.source = source
        readSource.setEventHandler { @Sendable in
            let noticedAt = MonotonicClock.now()
            source.value.cancel()
            onExit(noticedAt)
        }
        readSource.setCancelHandler { @Sendable in
            close(pidfd)
        }
        readSource.activate()
    }

    /// Stops observing. Call on the queue given at `init`.
    public func cancel() {
        source.value.cancel()
    }
}
