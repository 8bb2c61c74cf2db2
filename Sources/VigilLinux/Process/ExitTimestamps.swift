import CLinux
import Dispatch
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// When watched processes exited, as the kernel timestamped it (CLOCK_MONOTONIC), from the process-events
/// connector; the difference to when a `PidfdWatcher` fired is vigild's detection latency (`VIGIL_DETECT_USEC`).
///
/// The kernel stamps and sends the event just after it wakes pidfd readers, at the very end of the exit. So
/// the record may arrive a moment after vigild wakes (`take` waits up to 2 ms for it), and when vigild runs
/// before the exiting task's last steps, the stamp is later than vigild's own reading: the latency was nil.
///
/// The connector reports every exit on the host; only watched PIDs are kept, so the table stays as small as the
/// number of targets. A read source drains the socket on the engine queue so a busy host cannot fill it. Needs
/// `CAP_NET_ADMIN` and `CONFIG_PROC_EVENTS`; `open` answers `nil` without them and vigild goes on without.
public final class ExitTimestamps: Sendable {
    private let fd: Int32
    private let state: QueueConfined<State>
    private let source: QueueConfined<any DispatchSourceRead>

    struct State {
        var watched: Set<Int32> = []
        /// Whether the kernel filters the events (a socket filter is attached).
        var filtered = false
        /// Exit events read from the socket, watched or not.
        var received = 0
        var exits: [Int32: MonotonicInstant] = [:]
        var dropped = 0
    }

    /// Subscribes to exit events, draining them on `queue`.
    /// - Returns: `nil`, with the reason, when the connector is not available to this process.
    public static func open(queue: DispatchQueue) -> Result<ExitTimestamps, SystemError> {
        let fd = vigil_proc_events_open()
        guard fd >= 0 else {
            return .failure(SystemError(call: "netlink proc connector", errno: -fd))
        }
        return .success(ExitTimestamps(fd: fd, queue: queue))
    }

    private init(fd: Int32, queue: DispatchQueue) {
        self.fd = fd
        let state = QueueConfined(State(), queue: queue)
        self.state = state
        let readSource = DispatchSource.makeReadSource(fileDescriptor: fd, queue: queue)
        source = QueueConfined(readSource, queue: queue)
        readSource.setEventHandler { @Sendable in
            Self.drain(fd: fd, into: state)
        }
        readSource.setCancelHandler { @Sendable in
            close(fd)
        }
        readSource.activate()
    }

    /// Exit events that reached vigild, watched or not: with the filter, only the watched ones. Only on the queue.
    public var received: Int {
        state.value.received
    }

    /// Whether the kernel drops the exits of processes nobody watches before they reach vigild.
    public var isFiltered: Bool {
        state.value.filtered
    }

    /// Keeps the exit time of `pid` when it comes. Only on the queue.
    public func watch(_ pid: Int32) {
        state.value.watched.insert(pid)
        refilter()
    }

    /// Has the kernel pass only the exits of watched processes (all exits past `VIGIL_PROC_FILTER_MAX` of them).
    private func refilter() {
        let pids = Array(state.value.watched)
        let result = pids.withUnsafeBufferPointer { vigil_proc_events_filter(fd, $0.baseAddress, Int32($0.count)) }
        state.value.filtered = result == 0
    }

    /// The exit time of `pid`, if the kernel reported it within 2 ms; stops watching it. Only on the queue.
    public func take(_ pid: Int32) -> MonotonicInstant? {
        Self.drain(fd: fd, into: state)
        if state.value.exits[pid] == nil {
            var poll = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if Glibc.poll(&poll, 1, 2) == 1 {
                Self.drain(fd: fd, into: state)
            }
        }
        if state.value.watched.remove(pid) != nil {
            refilter()
        }
        return state.value.exits.removeValue(forKey: pid)
    }

    /// Events the kernel dropped because the socket was full (their exits have no detection time).
    public var dropped: Int {
        state.value.dropped
    }

    /// Stops listening. Only on the queue.
    public func cancel() {
        source.value.cancel()
    }

    private static func drain(fd: Int32, into state: QueueConfined<State>) {
        var batch = [vigil_proc_exit](repeating: vigil_proc_exit(), count: 64)
        while true {
            let count = batch.withUnsafeMutableBufferPointer {
                vigil_proc_events_read(fd, $0.baseAddress, Int32($0.count))
            }
            if count == -ENOBUFS {
                state.value.dropped += 1
                continue
            }
            guard count >= 0 else { return }
            state.value.received += Int(count)
            for exit in batch.prefix(Int(count)) where state.value.watched.contains(exit.tgid) {
                // Every thread of a process reports its exit; the process is gone at the last one.
                let instant = MonotonicInstant(nanoseconds: exit.timestamp_nsec)
                if state.value.exits[exit.tgid].map({ $0 < instant }) ?? true {
                    state.value.exits[exit.tgid] = instant
                }
            }
        }
    }
}
