import CLinux
import Dispatch
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Watches one child through its pidfd: when the kernel makes the pidfd readable (the process has exited), the
/// watcher sends `SIGKILL` to what is left of the child's process group (as systemd's default `KillMode` does, so
/// a restarted service never finds its predecessor's workers holding its port), reaps the child with
/// `waitid(P_PIDFD)`, classifies the exit and calls back on the given queue. No polling, no `SIGCHLD` handling.
///
/// The watcher owns the pidfd and closes it when the source is cancelled. Keep a reference until it has called
/// back or been cancelled: a DispatchSource that is released never fires.
public final class PidfdWatcher: Sendable {
    public let pid: Int32
    private let source: QueueConfined<any DispatchSourceRead>

    /// What the watcher saw: how the process ended and when vigild noticed.
    public struct Exit: Sendable, Equatable {
        public var pid: Int32
        public var status: ExitStatus
        public var noticedAt: MonotonicInstant
    }

    /// Starts watching.
    /// - Parameters:
    ///   - process: the child; its pidfd now belongs to the watcher.
    ///   - queue: where `onExit` runs (the engine queue).
    ///   - onExit: called once, after the child has been reaped.
    public init(process: SpawnedProcess, queue: DispatchQueue, onExit: @escaping @Sendable (Exit) -> Void) {
        pid = process.pid
        let pidfd = process.pidfd
        let pid = process.pid
        let readSource = DispatchSource.makeReadSource(fileDescriptor: pidfd, queue: queue)
        let source = QueueConfined<any DispatchSourceRead>(readSource, queue: queue)
        self.source = source
        readSource.setEventHandler { @Sendable in
            let noticedAt = MonotonicClock.now()
            // The child is a zombie until reaped, so its PID (and process group id) cannot have been reused yet:
            // signalling the group here can only reach what the target left behind.
            _ = try? ProcessLauncher.signalGroup(pid, .kill)
            var info = vigil_exit_info()
            let reaped = vigil_pidfd_reap(pidfd, 1, &info)
            guard reaped > 0 else {
                // Readable but not reapable cannot happen for our own child; never spin on it.
                source.value.cancel()
                onExit(Exit(pid: pid, status: .exited(code: -1), noticedAt: noticedAt))
                return
            }
            source.value.cancel()
            onExit(Exit(pid: pid, status: Self.classify(info), noticedAt: noticedAt))
        }
        readSource.setCancelHandler { @Sendable in
            close(pidfd)
        }
        readSource.activate()
    }

    /// Stops watching without waiting for the exit (the pidfd is closed). Only on the watcher's queue.
    public func cancel() {
        source.value.cancel()
    }

    static func classify(_ info: vigil_exit_info) -> ExitStatus {
        switch info.code {
        case Int32(VIGIL_CLD_EXITED):
            .exited(code: info.status)
        case Int32(VIGIL_CLD_DUMPED):
            .killed(signal: VigilCore.Signal(number: info.status), coreDumped: true)
        default:
            .killed(signal: VigilCore.Signal(number: info.status), coreDumped: false)
        }
    }
}
