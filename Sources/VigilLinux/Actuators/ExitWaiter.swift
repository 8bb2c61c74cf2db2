import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Waits, without polling, until the process behind a pidfd has exited (the kernel makes the pidfd readable), or
/// a time limit passes. Calls back once with `true` for an exit, `false` for the time limit. Owns the pidfd.
final class ExitWaiter: Sendable {
    private let sources: QueueConfined<[any DispatchSourceProtocol]>

    /// - Parameters:
    ///   - pidfd: the process; closed when the wait ends.
    ///   - timeout: how long to wait.
    ///   - queue: a serial queue where `body` runs.
    init(pidfd: Int32, timeout: Duration, queue: DispatchQueue, body: @escaping @Sendable (Bool) -> Void) {
        let reader = DispatchSource.makeReadSource(fileDescriptor: pidfd, queue: queue)
        let timer = DispatchSource.makeTimerSource(queue: queue)
        let sources = QueueConfined<[any DispatchSourceProtocol]>([reader, timer], queue: queue)
        self.sources = sources
        let finish: @Sendable (Bool) -> Void = { @Sendable exited in
            guard !sources.value.isEmpty else { return }
            for source in sources.value {
                source.cancel()
            }
            sources.value = []
            body(exited)
        }
        reader.setEventHandler { @Sendable in finish(true) }
        reader.setCancelHandler { @Sendable in close(pidfd) }
        timer.setEventHandler { @Sendable in finish(false) }
        timer.schedule(deadline: .now() + DispatchTimeInterval(timeout))
        reader.activate()
        timer.activate()
    }

    /// Stops waiting without calling back. Only on the queue.
    func cancel() {
        for source in sources.value {
            source.cancel()
        }
        sources.value = []
    }
}
