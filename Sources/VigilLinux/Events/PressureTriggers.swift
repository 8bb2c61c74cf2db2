import CLinux
import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// PSI triggers: the kernel wakes vigild when a resource's stall time within a window passes a threshold
/// (`Documentation/accounting/psi.rst`, "Monitoring for pressure thresholds"), so pressure is noticed when it
/// starts rather than at the next tick.
///
/// A trigger is a write of `some|full STALL_US WINDOW_US` to a pressure file kept open; the kernel then signals
/// `EPOLLPRI` on that descriptor. Dispatch only watches for reading, so the triggers are registered with an epoll
/// instance of their own, whose descriptor Dispatch watches. A trigger's poll clears its event as it reports it, and
/// Dispatch's epoll polls the nested one before vigild can ask which trigger fired, so a firing usually reaches
/// `onFire` as "one of them": every trigger is reported and the caller reads all their figures. Triggers fire at most
/// once per window, so that costs little.
public final class PressureTriggers: Sendable {
    private let epoll: Int32
    private let state: QueueConfined<State>

    private struct State {
        var source: (any DispatchSourceRead)?
        var descriptors: [Int64: Int32] = [:]
        var nextTag: Int64 = 1
    }

    /// One trigger to arm.
    public struct Trigger: Sendable, Equatable {
        /// `/proc/pressure/memory` or `<cgroup>/memory.pressure`.
        public var path: String
        /// `some` or `full`.
        public var line: String
        /// Stall time within the window that fires the trigger.
        public var stall: Duration
        /// The window, between 500 ms and 10 s.
        public var window: Duration

        public init(path: String, line: String, stall: Duration, window: Duration) {
            self.path = path
            self.line = line
            self.stall = stall
            self.window = window
        }

        /// What is written to the pressure file.
        public var text: String {
            "\(line) \(stall.microseconds) \(window.microseconds)"
        }
    }

    /// - Parameters:
    ///   - queue: where `onFire` runs (the engine queue).
    ///   - onFire: called with the tag of every trigger that fired, and whether its file went away.
    /// - Throws: `SystemError` from `epoll_create1`.
    public init(
        queue: DispatchQueue,
        onFire: @escaping @Sendable ([(tag: Int64, gone: Bool)]) -> Void
    )
        throws(SystemError)
    {
        let epoll = try valueOrNegatedErrno("epoll_create1") { vigil_epoll_open() }
        self.epoll = epoll
        let readSource = DispatchSource.makeReadSource(fileDescriptor: epoll, queue: queue)
        state = QueueConfined(State(source: readSource), queue: queue)
        readSource.setEventHandler { @Sendable [state] in
            var tags = [Int64](repeating: 0, count: 64)
            var errors = [Int32](repeating: 0, count: 64)
            let count = tags.withUnsafeMutableBufferPointer { tagBuffer in
                errors.withUnsafeMutableBufferPointer {
                    vigil_epoll_take(epoll, tagBuffer.baseAddress, $0.baseAddress, 64)
                }
            }
            if count > 0 {
                onFire((0..<Int(count)).map { (tags[$0], errors[$0] != 0) })
            } else {
                // Dispatch's own epoll polled this one to see it was ready, and a PSI trigger's poll clears its
                // event as it reports it: by now the kernel says nothing. Something fired; report every trigger.
                onFire(state.value.descriptors.keys.sorted().map { ($0, false) })
            }
        }
        readSource.setCancelHandler { @Sendable in
            close(epoll)
        }
        readSource.activate()
    }

    /// Arms a trigger. Call on the queue given at `init`.
    /// - Returns: the tag `onFire` will report for it.
    /// - Throws: `SystemError`: `ENOENT` without the file, `EOPNOTSUPP`/`EINVAL` when the kernel refuses triggers
    ///   (PSI disabled, a window out of range, an unprivileged window that is not a multiple of 2 s).
    public func arm(_ trigger: Trigger) throws(SystemError) -> Int64 {
        let fd = try valueOrErrno("open", trigger.path) { open(trigger.path, O_RDWR | O_NONBLOCK | O_CLOEXEC) }
        do {
            let text = trigger.text
            // The kernel wants the terminating NUL written too.
            try valueOrErrno("write", trigger.path) { text.withCString { write(fd, $0, strlen($0) + 1) } }
            var current = state.value
            let tag = current.nextTag
            current.nextTag += 1
            try valueOrNegatedErrno("epoll_ctl", trigger.path) { vigil_epoll_add_priority(epoll, fd, tag) }
            current.descriptors[tag] = fd
            state.value = current
            return tag
        } catch {
            close(fd)
            throw error
        }
    }

    /// Removes a trigger. Call on the queue given at `init`.
    public func disarm(_ tag: Int64) {
        guard let fd = state.value.descriptors.removeValue(forKey: tag) else { return }
        _ = vigil_epoll_remove(epoll, fd)
        // Closing a trigger takes the kernel ~10 ms (it waits for its poll work to stop): not on the caller's queue.
        DispatchQueue.global(qos: .utility).async { @Sendable in
            close(fd)
        }
    }

    /// Removes every trigger and closes the epoll descriptor. Call on the queue given at `init`.
    public func cancel() {
        for tag in Array(state.value.descriptors.keys) {
            disarm(tag)
        }
        state.value.source?.cancel()
        state.value.source = nil
    }
}
