import Dispatch
import Logging
import VigilCore
import VigilLinux

/// The heart of `vigild`: an event loop on one serial queue, a registry of target supervisors and the subsystems
/// that own everything else. Every input arrives as an `EngineEvent` at `handle(_:)`.
///
/// ```
/// sources ──► HealthPoller · HeartbeatService · drivers ──► TargetSupervisor (restart machine, health) ──►
///     RecoveryCoordinator (ladders, failover, limiter) ──► drivers (actuators) ──► EventBus (journal, history,
///     followers, metrics, state file, sd_notify STATUS)
/// ```
///
/// `@unchecked Sendable`: every stored `var`, here and in the subsystems, is read and written on `queue` only; the
/// public entry points hop onto it, and internal methods check it with `dispatchPrecondition`.
public final class Engine: @unchecked Sendable {
    public let queue: DispatchQueue
    /// Time and timers: Dispatch in vigild, a hand-driven clock in tests.
    let scheduler: any EngineScheduler
    /// What vigild was started with and cannot change: the loader, notifier, drivers and how to exit.
    let settings: EngineSettings
    // Confined to `queue`.
    /// The configuration in force and the log.
    package var loaded: LoadedConfig
    var logger: Logger
    /// Readiness, the status line, stopping: vigild's own life.
    package var lifecycle = Lifecycle()
    // The subsystems, each in its own folder, each with `unowned let engine` to reach the others.
    package private(set) lazy var targets = TargetRegistry(engine: self)
    package private(set) lazy var events = EventBus(engine: self)
    package private(set) lazy var health = HealthPoller(engine: self)
    private(set) lazy var heartbeats = HeartbeatService(engine: self)
    package private(set) lazy var recovery = RecoveryCoordinator(engine: self)
    private(set) lazy var persistence = StatePersistence(engine: self)
    private(set) lazy var control = ControlService(engine: self)
    private(set) lazy var metrics = MetricsService(engine: self)
    /// Cluster mode: made at start only when the configuration has a `[cluster]` table.
    private(set) var cluster: (any ClusterAuthority)?

    /// - Parameters:
    ///   - config: the configuration to start with, already loaded.
    ///   - loader: reads and validates the configuration again, for reloads.
    ///   - notifier: the service manager, told about readiness, status, reloads and shutdown.
    ///   - logger: where events and diagnostics go.
    ///   - seed: seeds backoff jitter.
    ///   - targetOutputToJournal: give each target a journal stream of its own for stdout and stderr, as vigild
    ///     does when it logs to the journal itself; otherwise targets write to vigild's stdout and stderr.
    ///   - scheduler: time and timers (`DispatchScheduler` in vigild).
    ///   - drivers: which driver runs each kind of target (`DriverRegistry.standard` in vigild).
    ///   - handlesSignals: SIGTERM, SIGINT and SIGHUP stop and reload the engine (vigild's; not an engine tested
    ///     inside another process).
    ///   - clusterAuthority: makes cluster mode's authority when the configuration has `[cluster]`
    ///     (`vigild-cluster`'s); nil in a vigild built without cluster mode.
    ///   - onFinished: called on `queue` with the exit code once shutdown is complete.
    public init(
        config: LoadedConfig,
        loader: @escaping @Sendable () throws(ConfigError) -> LoadedConfig,
        notifier: Notifier,
        logger: Logger,
        seed: UInt64 = UInt64.random(in: .min ... .max),
        targetOutputToJournal: Bool,
        scheduler: any EngineScheduler = DispatchScheduler(),
        drivers: DriverRegistry = .standard,
        handlesSignals: Bool = true,
        clusterAuthority: ClusterAuthorityFactory? = nil,
        onFinished: @escaping @Sendable (Int32) -> Void
    ) {
        let queue = DispatchQueue(label: "vigild.engine", qos: .userInitiated)
        self.queue = queue
        self.scheduler = scheduler
        self.settings = EngineSettings(
            loader: loader,
            notifier: notifier,
            seed: seed,
            targetOutputToJournal: targetOutputToJournal,
            drivers: drivers,
            handlesSignals: handlesSignals,
            clusterAuthority: clusterAuthority,
            onFinished: onFinished,
            startedAt: scheduler.now(),
            startedAtRealtime: Double(RealtimeClock.nanoseconds()) / 1e9
        )
        self.loaded = config
        self.logger = logger
    }

    /// Starts every target, the signal handlers and the watchdog. Returns at once; the engine runs on `queue`.
    public func start() {
        queue.async { @Sendable in
            if self.settings.handlesSignals {
                self.installSignalHandlers()
            }
            self.startWatchdog()
            self.targets.startExitTimestamps()
            self.heartbeats.start()
            self.control.start()
            self.metrics.start()
            self.health.start()
            self.persistence.load()
            self.recovery.configure()
            self.startCluster()
            for target in self.loaded.config.targets {
                self.targets.add(target)
            }
            // A cluster resource found running from before a restart of vigild is not this node's to keep.
            self.cluster?.stopUnowned()
            self.recovery.resume()
            // The state file speaks of the processes found at start only.
            self.persistence.forgetRestored()
            self.afterChange()
        }
    }

    /// With `[cluster]`: the etcd client and the first session (nothing of it exists otherwise).
    private func startCluster() {
        guard let config = loaded.config.cluster else { return }
        guard let makeAuthority = settings.clusterAuthority else {
            logger.error("cluster mode not started: this vigild is built without it (vigild-cluster runs it)")
            return
        }
        do {
            let service = try makeAuthority(self, config)
            cluster = service
            service.start()
        } catch {
            logger.error("cluster mode not started: \(error)")
        }
    }

    /// Posts an event from any thread; it is handled on the engine queue.
    func post(_ event: EngineEvent) {
        queue.async { @Sendable in self.handle(event) }
    }

    /// Posts a cluster session's news from any thread (`EngineEvent.cluster`).
    package func post(cluster event: any ClusterSessionEvent) {
        post(.cluster(event))
    }

    /// A one-shot timer on the engine queue that posts a cluster session's `event` when it fires.
    package func makeTimer(postingCluster event: @escaping @Sendable () -> any ClusterSessionEvent) -> LazyTimer {
        makeTimer { .cluster(event()) }
    }

    /// Posts a cluster session's `event` on the engine queue after `delay`.
    package func after(_ delay: Duration, postCluster event: any ClusterSessionEvent) {
        after(delay, post: .cluster(event))
    }

    /// The one entry of every input. Runs on `queue`.
    func handle(_ event: EngineEvent) {
        dispatchPrecondition(condition: .onQueue(queue))
        switch event {
        case .stopRequested(let reason):
            shutdown(reason: reason)
        case .reloadRequested:
            _ = reload()
        case .watchdogDue:
            settings.notifier.watchdog()
            return
        case .control(let request, let connection):
            control.handle(request, from: connection)
        case .target(let name, let event):
            targets[name]?.handle(event)
        case .serviceTimer(let owner):
            recovery.timerFired(owner)
        case .hookEnded(let owner, let id, let name, let result):
            recovery.hookEnded(owner: owner, id: id, name: name, result: result)
        case .failoverStatusDue(let owner, let target, let sequence):
            recovery.failoverStatusDue(owner: owner, target: target, sequence: sequence)
        case .roleReportDue(let owner, let sequence):
            recovery.roleReportDue(owner: owner, sequence: sequence)
        case .rejoinReportDue(let owner, let target, let round):
            recovery.rejoinReportDue(owner: owner, target: target, round: round)
        case .statusEnded(let owner, let target, let id, let result):
            recovery.statusEnded(owner: owner, target: target, id: id, result: result)
        case .statusDue(let owner, let target):
            recovery.statusDue(owner: owner, target: target)
        case .demoteEnded(let owner, let target, let id, let result):
            recovery.demoteEnded(owner: owner, target: target, id: id, result: result)
        case .healthTick:
            health.tick()
            cluster?.updateFigures()
        case .cgroupFilesChanged(let changes):
            health.filesChanged(changes)
        case .pressureTriggered(let fired):
            health.pressureTriggered(fired)
        case .heartbeat(let target, let time, let sequence):
            // The busiest input: nothing else follows from a heartbeat unless it confirmed a promotion.
            guard heartbeats.arrived(target: target, at: time, sequence: sequence) else { return }
        case .heartbeatDrops(let drops):
            heartbeats.report(drops)
            return
        case .selfCheckDue:
            heartbeats.selfCheck()
            return
        case .stateWriteChanged(let problem):
            persistence.writeChanged(problem: problem)
        case .textfileDue:
            metrics.writeTextfile()
            return
        case .cluster(let event):
            cluster?.handle(session: event)
        }
        afterChange()
    }

    /// The current instant, from the scheduler.
    package var now: MonotonicInstant { scheduler.now() }

    /// A one-shot timer on the engine queue that posts `event` when it fires.
    func makeTimer(posting event: @escaping @Sendable () -> EngineEvent) -> LazyTimer {
        LazyTimer(scheduler: scheduler, queue: queue) { @Sendable [weak self] in self?.handle(event()) }
    }

    /// Posts `event` on the engine queue after `delay`.
    func after(_ delay: Duration, post event: EngineEvent) {
        let box = UncheckedEvent(event)
        scheduler.after(delay, on: queue) { @Sendable [weak self] in self?.handle(box.event) }
    }
}

/// What the engine is made with and never changes.
struct EngineSettings: Sendable {
    let loader: @Sendable () throws(ConfigError) -> LoadedConfig
    let notifier: Notifier
    let seed: UInt64
    /// Whether targets' stdout and stderr go to the journal under their names (else they share vigild's).
    let targetOutputToJournal: Bool
    let drivers: DriverRegistry
    let handlesSignals: Bool
    let clusterAuthority: ClusterAuthorityFactory?
    let onFinished: @Sendable (Int32) -> Void
    let startedAt: MonotonicInstant
    let startedAtRealtime: Double
}

/// Carries an event into a `@Sendable` closure that runs on the engine queue, where events are made and handled.
struct UncheckedEvent: @unchecked Sendable {
    let event: EngineEvent
    init(_ event: EngineEvent) { self.event = event }
}
