import CLinux
import Dispatch
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Follows a libvirt domain's state as it changes, from libvirt's lifecycle events, never by polling: one
/// long-running `virsh -c URI "domstate --domain NAME; echo MARKER; event --all --loop"` child whose
/// output is read line by line. The `domstate` before the marker is the state at the start; every lifecycle event
/// of the domain after it is a change.
///
/// `domstate` and the event registration run one after the other on one connection, so only a change within that
/// one round trip could go unseen. The child ends when the connection does (libvirtd stopped, keepalive timed
/// out); the watcher then reports `interrupted` and starts a new child after a backoff (1 s, doubling to 30 s,
/// back to 1 s once a child has lasted 30 s), which reads the state afresh. `cancel()` kills the child.
public final class LibvirtDomainWatcher: Sendable {
    /// What the watcher reports.
    public enum Event: Sendable, Equatable {
        /// The domain's state: once at each (re)start of the child, then at every change (repeats suppressed). A
        /// domain libvirt does not know is `ActuatorTargetState.undefinedDomain`.
        case state(ActuatorTargetState)
        /// The child ended (or could not start): the state is unknown until the next child, in `retryIn`.
        case interrupted(reason: String, retryIn: Duration)
        /// A fault libvirt reported besides the state: the guest's watchdog fired, a disk I/O error.
        case notice(LibvirtDomainNotice)
    }

    /// What separates `domstate`'s answer from the events in the child's output.
    static let marker = "vigil-libvirt-events-follow"
    static let maximumLineLength = 65536

    private struct State {
        var process: PidfdWatcher?
        var reader: (any DispatchSourceRead)?
        var retry: (any DispatchSourceTimer)?
        var buffer: [UInt8] = []
        var pastMarker = false
        var initial: ActuatorTargetState?
        var lastError: String?
        var last: ActuatorTargetState?
        var startedAt = MonotonicInstant(nanoseconds: 0)
        var failures = 0
        var cancelled = false
    }

    public let domain: String
    public let uri: String
    private let command: HookCommand
    private let queue = DispatchQueue(label: "vigil.libvirt.watch")
    private let state: QueueConfined<State>
    private let emit: @Sendable (Event) -> Void

    /// Starts watching.
    /// - Parameters:
    ///   - virsh: absolute path of `virsh`.
    ///   - uri: the libvirt connection.
    ///   - domain: the domain's name (no single quote: it is quoted with them in virsh's command line).
    ///   - environment: the child's environment, `NAME=value` (with `LC_ALL=C`: virsh's words are parsed).
    ///   - queue: where `handler` runs (the engine queue).
    ///   - handler: gets the events.
    public init(
        virsh: String,
        uri: String,
        domain: String,
        environment: [String],
        queue: DispatchQueue,
        handler: @escaping @Sendable (Event) -> Void
    ) {
        self.domain = domain
        self.uri = uri
        let script = "domstate --domain '\(domain)'; echo \(Self.marker); event --all --loop"
        command = HookCommand(arguments: [virsh, "-c", uri, script], environment: environment)
        state = QueueConfined(State(), queue: self.queue)
        emit = { @Sendable event in queue.async { @Sendable in handler(event) } }
        self.queue.async { @Sendable [self] in launch() }
    }

    /// Stops watching and kills the child; no event is delivered once the cancellation has taken effect.
    public func cancel() {
        queue.async { @Sendable [self] in
            state.value.cancelled = true
            state.value.retry?.cancel()
            state.value.retry = nil
            // Until the watcher has reaped it, the child's PID (its group id) cannot have been reused.
            if let pid = state.value.process?.pid {
                _ = try? ProcessLauncher.signalGroup(pid, .kill)
            }
        }
    }

    private func launch() {
        guard !state.value.cancelled else { return }
        state.value.buffer = []
        state.value.pastMarker = false
        state.value.initial = nil
        state.value.lastError = nil
        state.value.last = nil
        var fds: [Int32] = [-1, -1]
        let piped = vigil_pipe2(&fds, O_CLOEXEC)
        guard piped == 0 else {
            return interrupted(SpawnError(step: "pipe2", subject: command.arguments[0], errno: -piped).description)
        }
        _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
        let spec = LaunchSpec(
            path: command.arguments[0],
            arguments: command.arguments,
            environment: command.environment
        )
        let process: SpawnedProcess
        do {
            process = try ProcessLauncher.spawn(spec, stdout: fds[1], stderr: fds[1])
        } catch {
            close(fds[0])
            close(fds[1])
            return interrupted("virsh could not be started: \(error)")
        }
        close(fds[1])
        let readFD = fds[0]
        state.value.startedAt = process.startedAt
        let reader = DispatchSource.makeReadSource(fileDescriptor: readFD, queue: queue)
        reader.setEventHandler { @Sendable [self] in
            if drain(readFD) {
                state.value.reader?.cancel()
                state.value.reader = nil
            }
        }
        reader.setCancelHandler { @Sendable in close(readFD) }
        state.value.reader = reader
        reader.activate()
        state.value.process = PidfdWatcher(process: process, queue: queue) { @Sendable [self] exit in
            if let reader = state.value.reader {
                _ = drain(readFD)
                reader.cancel()
                state.value.reader = nil
            }
            state.value.process = nil
            guard !state.value.cancelled else { return }
            if exit.noticedAt - state.value.startedAt >= .seconds(30) {
                state.value.failures = 0
            }
            interrupted(state.value.lastError ?? "virsh event ended with \(exit.status)")
        }
    }

    /// Reports the interruption and schedules the next child.
    private func interrupted(_ reason: String) {
        let delay = min(Duration.seconds(1) * (1 << min(state.value.failures, 5)), .seconds(30))
        state.value.failures += 1
        emit(.interrupted(reason: reason, retryIn: delay))
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + DispatchTimeInterval(delay))
        timer.setEventHandler { @Sendable [self] in
            state.value.retry = nil
            launch()
        }
        state.value.retry = timer
        timer.activate()
    }

    /// Reads what is waiting and handles each complete line; `true` at end of file.
    private func drain(_ fd: Int32) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR {
                continue
            }
            guard count > 0 else { return count == 0 }
            state.value.buffer.append(contentsOf: chunk[..<count])
            while let newline = state.value.buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: state.value.buffer[..<newline], as: UTF8.self)
                state.value.buffer.removeSubrange(...newline)
                handle(line)
            }
            if state.value.buffer.count > Self.maximumLineLength {
                state.value.buffer = []
            }
        }
    }

    private func handle(_ line: String) {
        guard !state.value.cancelled else { return }
        if line.hasPrefix("error: ") {
            state.value.lastError = String(line.dropFirst("error: ".count))
            return
        }
        guard state.value.pastMarker else {
            if line == Self.marker {
                state.value.pastMarker = true
                let notFound = state.value.lastError?.hasPrefix("failed to get domain") == true
                if let initial = state.value.initial ?? (notFound ? .undefinedDomain : nil) {
                    report(initial)
                }
                state.value.lastError = nil
            } else if state.value.initial == nil, !line.isEmpty {
                state.value.initial = ActuatorTargetState(libvirtDomainState: line)
            }
            return
        }
        if let event = LibvirtLifecycleEvent(line: Substring(line), domain: domain), let changed = event.state {
            report(changed)
        } else if let notice = LibvirtDomainNotice(line: Substring(line), domain: domain) {
            emit(.notice(notice))
        }
    }

    private func report(_ observed: ActuatorTargetState) {
        guard observed != state.value.last else { return }
        state.value.last = observed
        if observed.phase == .active {
            // A child that saw the domain up has done its job: the next interruption starts the backoff afresh.
            state.value.failures = 0
        }
        emit(.state(observed))
    }
}

extension LibvirtActuator {
    /// Follows this actuator's domain with a `LibvirtDomainWatcher` (same `virsh`, URI and environment).
    /// - Parameters:
    ///   - queue: where `handler` runs.
    ///   - handler: gets the watcher's events.
    public func watch(
        queue: DispatchQueue,
        handler: @escaping @Sendable (LibvirtDomainWatcher.Event) -> Void
    ) -> LibvirtDomainWatcher {
        LibvirtDomainWatcher(
            virsh: virsh,
            uri: uri,
            domain: domain,
            environment: environment,
            queue: queue,
            handler: handler
        )
    }
}
