import Dispatch
import Logging
import VigilCore
import VigilLinux

/// `/metrics` over HTTP and the node_exporter textfile, as configured, and the per-target figures fed from events.
/// Confined to the engine queue.
final class MetricsService {
    unowned let engine: Engine
    /// How often the node_exporter textfile is rewritten.
    static let textfileInterval = Duration.seconds(15)
    private(set) var server: MetricsHTTPServer?
    private var textfileTimer: (any EngineTimer)?
    private var textfile: TextfileWriter?
    /// How late the self-check tick fires: the engine loop's own latency.
    var engineLateness = Histogram()
    private var reloadsOK = 0
    private var reloadsRejected = 0

    init(engine: Engine) {
        self.engine = engine
    }

    /// Whether anything serves the figures (the self-check tick then measures the engine's lateness).
    var isServing: Bool { server != nil || textfileTimer != nil }

    /// Serves `/metrics` on `[daemon] metrics_listen` and keeps `metrics_textfile` current, as configured. A
    /// listener that cannot be bound is logged; supervision goes on.
    func start() {
        stop()
        let daemon = engine.loaded.config.daemon
        if let listen = daemon.metricsListen {
            do {
                let address = try MetricsListenAddress(parsing: listen)
                server = try MetricsHTTPServer(address: address, queue: engine.queue) { @Sendable [unowned engine] in
                    PrometheusText.render(engine.metrics.snapshot())
                }
                engine.logger.info("serving metrics on http://\(server!.address)/metrics")
            } catch {
                engine.logger.error(
                    "cannot serve metrics on \(listen): \(error)",
                    metadata: ["VIGIL_ERROR": "\(error)"]
                )
            }
        }
        if let path = daemon.metricsTextfile {
            textfile = TextfileWriter(path: path)
            // The first write once what is being started has been added, then every interval.
            engine.after(.zero, post: .textfileDue)
            textfileTimer = engine.scheduler.makeRepeatingTimer(
                on: engine.queue,
                every: Self.textfileInterval,
                leeway: .seconds(1)
            ) { @Sendable [weak engine] in
                engine?.handle(.textfileDue)
            }
        }
    }

    func stop() {
        server?.stop()
        server = nil
        textfileTimer?.cancel()
        textfileTimer = nil
        textfile = nil
    }

    /// Rendered here, where the figures live; written elsewhere, because a slow disk must not stall the engine
    /// (and with it the watchdog).
    func writeTextfile() {
        guard let writer = textfile, let path = engine.loaded.config.daemon.metricsTextfile else { return }
        let text = PrometheusText.render(snapshot())
        let logger = engine.logger
        DispatchQueue.global(qos: .utility).async { @Sendable in
            do {
                try writer.write(text)
            } catch {
                logger.warning("cannot write metrics to \(path): \(error)")
            }
        }
    }

    /// Every figure the metrics endpoints report, as of now.
    func snapshot() -> MetricsSnapshot {
        dispatchPrecondition(condition: .onQueue(engine.queue))
        let now = engine.now
        var drops: [HeartbeatDropReason: UInt64] = [:]
        for (reason, count) in engine.heartbeats.dropped {
            drops[reason] = UInt64(count)
        }
        var snapshot = MetricsSnapshot(
            startTimeSeconds: engine.settings.startedAtRealtime,
            targets: engine.targets.all.map { supervisor in
                MetricsSnapshot.Target(
                    name: supervisor.name,
                    kind: supervisor.config.kind.rawValue,
                    state: supervisor.machine.state.word,
                    restartsTotal: UInt64(supervisor.totalRestarts),
                    failoversTotal: UInt64(supervisor.record.failovers),
                    faultsTotal: UInt64(supervisor.record.faults),
                    heartbeatSuspicionsTotal: UInt64(supervisor.record.suspicions),
                    heartbeatFalseSuspicionsTotal: UInt64(supervisor.record.falseSuspicions),
                    recoveryExhaustedTotal: UInt64(supervisor.record.recoveriesExhausted),
                    heartbeatLevel: supervisor.healthModel.judge?.detector.level(at: now),
                    detection: supervisor.record.detection,
                    recovery: supervisor.record.recovery,
                    health: (supervisor.health(at: now)?.word ?? .unknown)
                )
            },
            heartbeatDrops: drops,
            engineLateness: engineLateness,
            reloads: MetricsSnapshot.Reloads(ok: UInt64(reloadsOK), rejected: UInt64(reloadsRejected))
        )
        snapshot.hostPressure = engine.health.hostSampler?.pressure
        snapshot.stateFileWritable = engine.persistence.writable
        snapshot.cluster = engine.cluster?.status()
        let raised = engine.health.hostDetectors.filter(\.phase.isRaised)
        snapshot.hostFaultsRaised = raised.filter { $0.check.severity == .fault }.count
        snapshot.hostWarningsRaised = raised.count - snapshot.hostFaultsRaised
        return snapshot
    }

    /// Feeds the per-target figures from an event as it is recorded.
    func account(_ event: Event) {
        guard let name = event.target, let supervisor = engine.targets[name] else {
            switch event.kind {
            case .reloadSucceeded: reloadsOK += 1
            case .reloadRejected: reloadsRejected += 1
            default: break
            }
            return
        }
        switch event.kind {
        case .targetExited where event.fields["EXPECTED"] == nil:
            if let detect = event.fields["DETECT_USEC"].flatMap(Int64.init) {
                supervisor.record.detection.observe(.microseconds(detect))
            }
            // The exit of a convicted process was counted at its conviction.
            if event.fields["FAULT"] == nil {
                supervisor.record.faults += 1
            }
            supervisor.record.downSince = event.time
        case .targetSpawnFailed:
            supervisor.record.faults += 1
        case .heartbeatSuspected:
            supervisor.record.suspicions += 1
        case .heartbeatCleared:
            supervisor.record.falseSuspicions += 1
        case .recoveryExhausted:
            supervisor.record.recoveriesExhausted += 1
        case .targetStarted:
            if let down = supervisor.record.downSince {
                supervisor.record.recovery.observe(event.time - down)
                supervisor.record.downSince = nil
            }
        case .targetAdopted:
            // Up, but not brought up by vigild: no recovery time to count.
            supervisor.record.downSince = nil
        case .targetFaulted:
            supervisor.record.faults += 1
            supervisor.record.downSince = event.time
        case .failoverCompleted:
            supervisor.record.failovers += 1
        default:
            break
        }
    }
}
