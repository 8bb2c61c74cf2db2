import Dispatch
import Logging
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// The heart of `vigild`: an event loop on one serial queue that owns all mutable state.
///
/// DispatchSources feed it (pidfd exits, target timers, signals, the watchdog timer); it runs each target's
/// `RestartStateMachine` and carries out the actions it answers. Every handler is `{ @Sendable in … }` and
/// targets `queue`.
///
/// `@unchecked Sendable`: every stored `var` below is read and written on `queue` only; the public entry points
/// hop onto it, and internal methods check it with `dispatchPrecondition`.
public final class Engine: @unchecked Sendable {
    public let queue: DispatchQueue
    let loader: @Sendable () throws(ConfigError) -> LoadedConfig
    let notifier: Notifier
    let onFinished: @Sendable (Int32) -> Void
    let seed: UInt64
    /// Whether targets' stdout and stderr go to the journal under their names (else they share vigild's).
    let targetOutputToJournal: Bool

    // Confined to `queue`.
    var loaded: LoadedConfig
    var logger: Logger
    var targets: [String: TargetRuntime] = [:]
    var order: [String] = []
    var readySent = false
    var shuttingDown = false
    var lastStatus = ""
    var signalSources: [any DispatchSourceSignal] = []
    /// Kernel exit times, for `VIGIL_DETECT_USEC`; `nil` where the proc connector is not available.
    var exitTimestamps: ExitTimestamps?
    /// vigild's own liveness check: late timers mean vigild was not running, and silence then is excused.
    var stallGuard = StallGuard()
    /// The control socket.
    var controlServer: ControlServer?
    /// `/metrics` over HTTP, when configured.
    var metricsServer: MetricsHTTPServer?
    /// Rewrites the node_exporter textfile, when configured.
    var textfileTimer: (any DispatchSourceTimer)?
    /// How late the self-check tick fires: the engine loop's own latency.
    var engineLateness = Histogram()
    var reloadsOK = 0
    var reloadsRejected = 0
    let startedAtRealtime = Double(RealtimeClock.nanoseconds()) / 1e9
    /// Recent events for `vigilctl events`, oldest first, bounded by count and bytes (`EventHistory`).
    var history = EventHistory()
    /// The last event of each target, for `vigilctl status`.
    var lastEvents: [String: EventRecord] = [:]
    /// Connections following the event stream, with the target they follow (`nil`: all).
    var followers: [(connection: ControlConnection, target: String?)] = []
    /// Host-wide maintenance: monitoring goes on, nothing is restarted.
    var maintenance = false
    let startedAt = MonotonicClock.now()
    /// The self-check tick, while any target has heartbeats.
    var selfCheckTimer: (any DispatchSourceTimer)?
    /// Where authenticated heartbeats come in; boxed for the handlers of its read sources.
    let heartbeatIngress: QueueConfined<HeartbeatIngress?>
    var watchdogTimer: (any DispatchSourceTimer)?
    /// Where each cgroup hierarchy is mounted; `nil` when `/proc/self/mountinfo` could not be read.
    var cgroupLocator: CgroupLocator?
    /// One inotify instance for every watched `cgroup.events` and `memory.events`, and whose watch is whose.
    var inotify: InotifyWatcher?
    var watchOwners: [Int32: String] = [:]
    /// PSI triggers, and whose each is (`nil`: the host's).
    var pressureTriggers: PressureTriggers?
    var triggerOwners: [Int64: String?] = [:]
    /// The host's figures and the `[host]` checks.
    var hostSampler: HostSampler?
    var hostDetectors: [CheckDetector] = []
    /// The last round of the host's readings, for `vigilctl status`.
    var hostSamples = MetricSamples()
    /// Reads health figures every `[daemon] tick`.
    var healthTimer: (any DispatchSourceTimer)?
    /// Targets with a recovery ladder, by their (primary's) name, and the service each target belongs to.
    var services: [String: ServiceRuntime] = [:]
    var serviceOf: [String: String] = [:]
    /// How many services' ladders may act at once; the others wait (`[daemon] concurrent_recoveries`).
    var recoveryLimiter = RecoveryLimiter(limit: 4)
    /// What the actuators share (the systemd bus connection); made when a service target first needs it.
    var actuators: ActuatorContext?
    /// Writes per-target state for vigild's next start, off the engine queue; and what was found at this start.
    var stateWriter: StateWriter?
    var restoredState: PersistedState?
    /// Something worth persisting happened since the state file was last written.
    var stateDirty = false
    var stateGeneration: UInt64 = 0
    /// The cgroups process targets run in (`Engine+Reclaim`), prepared at the first start of one.
    var targetCgroups: TargetCgroups?
    var targetCgroupsPrepared = false

    /// - Parameters:
    ///   - config: the configuration to start with, already loaded.
    ///   - loader: reads and validates the configuration again, for reloads.
    ///   - notifier: the service manager, told about readiness, status, reloads and shutdown.
    ///   - logger: where events and diagnostics go.
    ///   - seed: seeds backoff jitter.
    ///   - targetOutputToJournal: give each target a journal stream of its own for stdout and stderr, as vigild
    ///     does when it logs to the journal itself; otherwise targets write to vigild's stdout and stderr.
    ///   - onFinished: called on `queue` with the exit code once shutdown is complete.
    public init(
        config: LoadedConfig,
        loader: @escaping @Sendable () throws(ConfigError) -> LoadedConfig,
        notifier: Notifier,
        logger: Logger,
        seed: UInt64 = UInt64.random(in: .min ... .max),
        targetOutputToJournal: Bool,
        onFinished: @escaping @Sendable (Int32) -> Void
    ) {
        self.queue = DispatchQueue(label: "vigild.engine", qos: .userInitiated)
        self.heartbeatIngress = QueueConfined(nil, queue: queue)
        self.loaded = config
        self.loader = loader
        self.notifier = notifier
        self.logger = logger
        self.seed = seed
        self.targetOutputToJournal = targetOutputToJournal
        self.onFinished = onFinished
    }

    /// Starts every target, the signal handlers and the watchdog. Returns at once; the engine runs on `queue`.
    public func start() {
        queue.async { @Sendable in
            self.installSignalHandlers()
            self.startWatchdog()
            self.startExitTimestamps()
            self.startHeartbeatIngress()
            self.startControlServer()
            self.startMetrics()
            self.startHealth()
            self.loadState()
            self.configureServices()
            for target in self.loaded.config.targets {
                self.add(target)
            }
            self.resumeServices()
            // The state file speaks of the processes found at start only.
            self.restoredState = nil
            self.afterChange()
        }
    }

    // MARK: - Targets

    func add(_ target: TargetConfig) {
        dispatchPrecondition(condition: .onQueue(queue))
        let launch = loaded.launches[target.name]
        guard launch != nil || !target.spawnsProcess else {
            logger.error("no launch specification for target", metadata: ["VIGIL_TARGET": "\(target.name)"])
            return
        }
        let name = target.name
        let runtime = TargetRuntime(
            config: target,
            launch: launch,
            seed: seed ^ UInt64(truncatingIfNeeded: name.hashValue),
            queue: queue,
            onTimer: { @Sendable [weak self] in self?.timerFired(for: name) },
            onHeartbeatTimer: { @Sendable [weak self] in self?.heartbeatTimerFired(for: name) }
        )
        targets[name] = runtime
        runtime.actuator = makeActuator(for: runtime)
        runtime.machine.recoversExternally = serviceOf[name] != nil
        openNotifySocket(for: runtime)
        watchUnit(runtime)
        watchDomain(runtime)
        if maintenance {
            perform(runtime.machine.setMaintenance(true, now: MonotonicClock.now()), for: runtime)
        }
        if !order.contains(name) {
            order.append(name)
        }
        if !startsWhenAdded(name) || primaryAwaitsFailover(name) {
            // A standby waits for a failover, and so does a primary whose failover was under way when vigild
            // stopped; but a member still running from before vigild restarted is adopted, never started twice.
            prepareAdoption(runtime)
            guard runtime.adoptPID != nil else { return }
        } else {
            prepareAdoption(runtime)
        }
        perform(runtime.machine.start(now: MonotonicClock.now()), for: runtime)
    }

    func timerFired(for name: String) {
        guard let runtime = targets[name] else { return }
        let actions = runtime.machine.timerFired(now: MonotonicClock.now())
        perform(actions, for: runtime)
        afterChange()
    }

    /// Carries out what a state machine answered, feeding back the results of spawns.
    func perform(_ actions: [SupervisionAction], for runtime: TargetRuntime) {
        dispatchPrecondition(condition: .onQueue(queue))
        for action in actions {
            switch action {
            case .spawn:
                spawn(runtime)
            case .signal(let signal):
                send(signal, to: runtime)
            case .armTimer(let instant):
                runtime.arm(at: instant, now: MonotonicClock.now())
            case .disarmTimer:
                runtime.disarm()
            case .emit(let event):
                record(event)
            }
        }
    }

    func spawn(_ runtime: TargetRuntime) {
        if runtime.config.domain != nil {
            return startDomain(runtime)
        }
        if runtime.config.kind == .service {
            startUnit(runtime)
            return
        }
        guard runtime.config.kind == .process else {
            startWatched(runtime)
            return
        }
        if let pid = runtime.adoptPID {
            runtime.adoptPID = nil
            if adoptProcess(runtime, pid: pid) {
                return
            }
        }
        if runtime.config.spawnsProcess {
            guard reclaim(runtime) else { return }
            startProcess(runtime)
        } else {
            startManaged(runtime)
        }
    }

    /// A child the process actuator started: watched through its pidfd, its state on disk for a service member.
    func processSpawned(_ runtime: TargetRuntime, _ process: SpawnedProcess) {
        let name = runtime.name
        runtime.killSentAt = nil
        exitTimestamps?.watch(process.pid)
        runtime.watcher = PidfdWatcher(process: process, queue: queue) { @Sendable [weak self] exit in
            self?.processExited(target: name, exit: exit)
        }
        runtime.startTicks = (try? CgroupProcess.stat(of: process.pid))?.startTicks
        let outcome = runtime.machine.spawned(pid: process.pid, now: process.startedAt)
        if serviceOf[name] != nil {
            // A member of a service with a ladder: its PID is on disk before anything else happens.
            persistStateNow()
        }
        heartbeatProcessChanged(runtime, now: process.startedAt)
        runtime.sampler = processSampler(pid: process.pid)
        perform(outcome, for: runtime)
    }

    func send(_ signal: VigilCore.Signal, to runtime: TargetRuntime) {
        if runtime.config.domain != nil {
            return signalDomain(runtime, signal)
        }
        if runtime.config.kind == .service {
            signalUnit(runtime, signal)
            return
        }
        if let watched = runtime.watched {
            if signal == .kill {
                runtime.killSentAt = MonotonicClock.now()
            }
            CgroupControl.signal(signal, watched.directories)
            return
        }
        guard let pid = runtime.machine.state.pid, runtime.hasProcess else { return }
        if signal == .kill {
            runtime.killSentAt = MonotonicClock.now()
            killProcessCgroup(runtime)
        }
        signalProcess(runtime, pid: pid, signal)
    }

    func processExited(target name: String, exit: PidfdWatcher.Exit) {
        guard let runtime = targets[name], runtime.watcher?.pid == exit.pid else { return }
        runtime.watcher = nil
        (runtime.actuator as? ProcessActuator)?.forget(exit.pid)
        heartbeatProcessChanged(runtime, now: exit.noticedAt)
        // The kernel's own exit time where vigild can read it; else the SIGKILL vigild sent, if it sent one. The
        // kernel stamps the exit after waking pidfd readers, so a difference below zero means no delay at all.
        let exitedAt = exitTimestamps?.take(exit.pid) ?? runtime.killSentAt
        let detectedAfter = exitedAt.map { max(.zero, exit.noticedAt - $0) }
        let actions = runtime.machine.exited(
            pid: exit.pid,
            status: exit.status,
            now: exit.noticedAt,
            detectedAfter: detectedAfter
        )
        perform(actions, for: runtime)
        afterChange()
    }

    /// Settles what follows from a change: targets that went down for a reload or removal, readiness, the
    /// status line, and the end of a shutdown.
    func afterChange() {
        dispatchPrecondition(condition: .onQueue(queue))
        if !shuttingDown {
            settleServices()
        }
        for name in order {
            guard let runtime = targets[name], runtime.machine.isDown, !runtime.hasProcess else { continue }
            switch runtime.whenDown {
            case .nothing:
                break
            case .remove:
                detachCgroup(runtime)
                runtime.close()
                targets[name] = nil
                order.removeAll { $0 == name }
            case .replace(let config, let launch):
                detachCgroup(runtime)
                runtime.close()
                targets[name] = nil
                loaded.launches[name] = launch
                add(config)
                if let fresh = targets[name] {
                    // The figures of a target survive its replacement by new settings or a restart on request.
                    fresh.restartsBefore = runtime.restartsBefore + runtime.machine.restarts
                    fresh.faults = runtime.faults
                    fresh.failovers = runtime.failovers
                    fresh.detection = runtime.detection
                    fresh.recovery = runtime.recovery
                    fresh.maintenance = runtime.maintenance
                }
            }
        }
        updateSelfCheck()
        persistStateIfChanged()
        if shuttingDown {
            if targets.values.allSatisfy({ ($0.machine.isDown && !$0.hasProcess) || !$0.config.spawnsProcess }) {
                finish()
            }
            return
        }
        // A standby that waits for a failover has no verdict to wait for.
        if !readySent, targets.values.allSatisfy({ $0.machine.hasVerdict || !startsWhenAdded($0.name) }) {
            readySent = true
            let status = statusLine()
            lastStatus = status
            notifier.ready(status: status)
            record(
                Event(
                    kind: .daemonReady,
                    message: "vigild ready: \(status)",
                    fields: ["TARGETS": String(targets.count)],
                    time: MonotonicClock.now()
                )
            )
        }
        updateStatus()
    }

    func statusLine() -> String {
        let line = StatusSummary.line(states: order.compactMap { targets[$0]?.machine.state })
        let faults = hostFaults
        guard !faults.isEmpty else { return line }
        return "host fault: " + faults.map(\.text).joined(separator: "; ") + "; " + line
    }

    func updateStatus() {
        let status = shuttingDown ? "stopping: " + statusLine() : statusLine()
        guard status != lastStatus else { return }
        lastStatus = status
        notifier.status(status)
    }
}
