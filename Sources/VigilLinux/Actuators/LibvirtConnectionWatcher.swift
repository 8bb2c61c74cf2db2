import CLinux
import Dispatch
import Synchronization
import VigilCore

#if canImport(Glibc)
import Glibc
#endif

/// Follows every watched domain of one libvirt connection with one long-running `virsh` child, never by polling:
/// `virsh -c URI "domuuid --domain A; domstate --domain A; echo END; … ; echo MARKER; event --all --loop"`, read line
/// by line. Before the marker come each domain's UUID and state at the start; after it every event of the
/// connection, handed to the watchers of the domain it names (`LibvirtEventLine`).
///
/// `domstate` and the event registration run one after the other on one connection, so only a change within that
/// one round trip could go unseen. A domain watched while the child runs makes a new child (50 ms later, so a
/// configuration's domains share one start): the old one is killed and the new one started at once, and it reads
/// every domain's state afresh (repeats are not reported); a watchdog or I/O-error event within that gap is lost.
/// The child ends when the connection does (libvirtd stopped, keepalive timed out): every watcher then hears
/// `interrupted` and a new child starts after a backoff (1 s, doubling to 30 s, back to 1 s once a child has lasted
/// 30 s). When no domain is watched any more the child is killed.
public final class LibvirtConnectionWatcher: Sendable {
    /// What separates the domains' initial states from the events in the child's output.
    static let marker = "vigil-libvirt-events-follow"
    /// What ends one domain's initial `domuuid` and `domstate`.
    static let domainEnd = "vigil-libvirt-domain-end"
    static let maximumLineLength = 65536
    /// How long a new watch waits for others before the child is replaced.
    static let gathering: Duration = .milliseconds(50)

    private struct Subscriber {
        var domain: String
        var emit: @Sendable (LibvirtDomainWatcher.Event) -> Void
    }

    /// What one child is asked and has answered so far.
    private struct Child {
        var domains: [String] = []
        var index = 0
        var uuid: String?
        var initial: ActuatorTargetState?
        var pastMarker = false
    }

    private struct State {
        var subscribers: [UInt64: Subscriber] = [:]
        var process: PidfdWatcher?
        var reader: (any DispatchSourceRead)?
        /// A retry after an interruption, or a replacement gathering new watches.
        var timer: (any DispatchSourceTimer)?
        var buffer: [UInt8] = []
        var child = Child()
        var lastError: String?
        /// Each domain's last reported state and its UUID.
        var last: [String: ActuatorTargetState] = [:]
        var uuids: [String: String] = [:]
        var startedAt = MonotonicInstant(nanoseconds: 0)
        var failures = 0
        /// The child was killed on purpose: to start one with another set of domains, or because none is watched.
        var replacing = false
    }

    public let uri: String
    private let virsh: String
    private let environment: [String]
    private let queue = DispatchQueue(label: "vigil.libvirt.connection")
    private let state: QueueConfined<State>
    private let ids = Atomic<UInt64>(1)

    /// A watcher of the connection; it starts a child once a domain is watched.
    /// - Parameters:
    ///   - virsh: absolute path of `virsh`.
    ///   - uri: the libvirt connection.
    ///   - environment: the child's environment, `NAME=value` (with `LC_ALL=C`: virsh's words are parsed).
    public init(virsh: String, uri: String, environment: [String]) {
        self.virsh = virsh
        self.uri = uri
        self.environment = environment
        state = QueueConfined(State(), queue: queue)
    }

    /// Follows `domain` (no single quote: it is quoted with them in virsh's command line).
    /// - Parameters:
    ///   - queue: where `handler` runs (the engine queue).
    ///   - handler: gets the domain's events.
    /// - Returns: the watch's id, for `unsubscribe(_:)`.
    func subscribe(
        domain: String,
        queue handlerQueue: DispatchQueue,
        handler: @escaping @Sendable (LibvirtDomainWatcher.Event) -> Void
    ) -> UInt64 {
        let id = ids.wrappingAdd(1, ordering: .relaxed).oldValue
        let emit: @Sendable (LibvirtDomainWatcher.Event) -> Void = { @Sendable event in
            handlerQueue.async { @Sendable in handler(event) }
        }
        queue.async { @Sendable [self] in
            let watched = state.value.subscribers.values.contains { $0.domain == domain }
            state.value.subscribers[id] = Subscriber(domain: domain, emit: emit)
            if watched {
                // The child follows it already: what is known now; the rest comes as the child reports it.
                if let uuid = state.value.uuids[domain] {
                    emit(.identified(uuid: uuid))
                }
                if let last = state.value.last[domain] {
                    emit(.state(last))
                }
            } else {
                state.value.last[domain] = nil
                state.value.uuids[domain] = nil
                replaceSoon()
            }
        }
        return id
    }

    /// Stops one watch; no event reaches its handler once this has taken effect. The child is killed when no domain
    /// is watched any more.
    func unsubscribe(_ id: UInt64) {
        queue.async { @Sendable [self] in
            guard let domain = state.value.subscribers.removeValue(forKey: id)?.domain else { return }
            if !state.value.subscribers.values.contains(where: { $0.domain == domain }) {
                state.value.last[domain] = nil
                state.value.uuids[domain] = nil
            }
            guard state.value.subscribers.isEmpty else { return }
            state.value.timer?.cancel()
            state.value.timer = nil
            killChild()
        }
    }

    private func killChild() {
        // Until the watcher has reaped it, the child's PID (its group id) cannot have been reused.
        guard let pid = state.value.process?.pid else { return }
        state.value.replacing = true
        _ = try? ProcessLauncher.signalGroup(pid, .kill)
    }

    /// A new child for the domains now watched, once the watches made together have all arrived.
    private func replaceSoon() {
        guard state.value.timer == nil, !state.value.replacing else { return }
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + DispatchTimeInterval(Self.gathering))
        timer.setEventHandler { @Sendable [self] in
            state.value.timer = nil
            if state.value.process != nil {
                killChild()
            } else {
                launch()
            }
        }
        state.value.timer = timer
        timer.activate()
    }

    private func launch() {
        let domains = Set(state.value.subscribers.values.map(\.domain)).sorted()
        guard !domains.isEmpty else { return }
        state.value.buffer = []
        state.value.child = Child(domains: domains)
        state.value.lastError = nil
        var fds: [Int32] = [-1, -1]
        let piped = vigil_pipe2(&fds, O_CLOEXEC)
        guard piped == 0 else {
            return interrupted(SpawnError(step: "pipe2", subject: virsh, errno: -piped).description)
        }
        _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
        let script =
            domains.map { "domuuid --domain '\($0)'; domstate --domain '\($0)'; echo \(Self.domainEnd)" }
            .joined(separator: "; ") + "; echo \(Self.marker); event --all --loop"
        let spec = LaunchSpec(path: virsh, arguments: [virsh, "-c", uri, script], environment: environment)
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
            if state.value.replacing {
                state.value.replacing = false
                launch()
                return
            }
            if exit.noticedAt - state.value.startedAt >= .seconds(30) {
                state.value.failures = 0
            }
            interrupted(state.value.lastError ?? "virsh event ended with \(exit.status)")
        }
    }

    /// Reports the interruption to every watch and schedules the next child.
    private func interrupted(_ reason: String) {
        guard !state.value.subscribers.isEmpty else { return }
        let delay = min(Duration.seconds(1) * (1 << min(state.value.failures, 5)), .seconds(30))
        state.value.failures += 1
        state.value.last = [:]
        for subscriber in state.value.subscribers.values {
            subscriber.emit(.interrupted(reason: reason, retryIn: delay))
        }
        state.value.timer?.cancel()
        let timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + DispatchTimeInterval(delay))
        timer.setEventHandler { @Sendable [self] in
            state.value.timer = nil
            launch()
        }
        state.value.timer = timer
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
        guard !state.value.replacing else { return }
        if line.hasPrefix("error: ") {
            state.value.lastError = String(line.dropFirst("error: ".count))
            return
        }
        guard state.value.child.pastMarker else {
            return initial(line)
        }
        guard let name = LibvirtEventLine.domain(of: Substring(line)) else { return }
        let domain = String(name)
        if let event = LibvirtLifecycleEvent(line: Substring(line), domain: domain), let changed = event.state {
            report(changed, of: domain)
        } else if let notice = LibvirtDomainNotice(line: Substring(line), domain: domain) {
            emit(.notice(notice), to: domain)
        }
    }

    /// A line of the part before the marker: a domain's UUID, its state, or the end of its answers.
    private func initial(_ line: String) {
        if line == Self.marker {
            state.value.child.pastMarker = true
            state.value.lastError = nil
            return
        }
        guard line == Self.domainEnd else {
            if state.value.child.uuid == nil, LibvirtEventLine.isUUID(Substring(line)) {
                state.value.child.uuid = line
            } else if state.value.child.initial == nil, !line.isEmpty {
                state.value.child.initial = ActuatorTargetState(libvirtDomainState: line)
            }
            return
        }
        let child = state.value.child
        guard child.index < child.domains.count else { return }
        let domain = child.domains[child.index]
        let notFound = state.value.lastError?.hasPrefix("failed to get domain") == true
        if let uuid = child.uuid, state.value.uuids[domain] != uuid {
            state.value.uuids[domain] = uuid
            emit(.identified(uuid: uuid), to: domain)
        }
        if let observed = child.initial ?? (notFound ? .undefinedDomain : nil),
            state.value.last[domain]?.phase != observed.phase
        {
            // A replacement child's `domstate` says less than the event it follows (`shut off` after `Stopped
            // Destroyed`): only a change of phase is news. After an interruption nothing is known (`last` is empty).
            report(observed, of: domain)
        }
        state.value.child.index += 1
        state.value.child.uuid = nil
        state.value.child.initial = nil
        state.value.lastError = nil
    }

    private func report(_ observed: ActuatorTargetState, of domain: String) {
        guard observed != state.value.last[domain] else { return }
        state.value.last[domain] = observed
        if observed.phase == .active {
            // A child that saw a domain up has done its job: the next interruption starts the backoff afresh.
            state.value.failures = 0
        }
        emit(.state(observed), to: domain)
    }

    private func emit(_ event: LibvirtDomainWatcher.Event, to domain: String) {
        for subscriber in state.value.subscribers.values where subscriber.domain == domain {
            subscriber.emit(event)
        }
    }
}
