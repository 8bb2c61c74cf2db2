import Dispatch
import Logging
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

extension Engine {
    /// How often the node_exporter textfile is rewritten.
    static let textfileInterval = Duration.seconds(15)

    /// Serves `/metrics` on `[daemon] metrics_listen` and keeps `metrics_textfile` current, as configured. A listener
    /// that cannot be bound is logged; supervision goes on.
    func startMetrics() {
        metricsServer?.stop()
        metricsServer = nil
        textfileTimer?.cancel()
        textfileTimer = nil
        let daemon = loaded.config.daemon
        if let listen = daemon.metricsListen {
            do {
                let address = try MetricsListenAddress(parsing: listen)
                metricsServer = try MetricsHTTPServer(address: address, queue: queue) { @Sendable [unowned self] in
                    PrometheusText.render(self.metricsSnapshot())
                }
                logger.info("serving metrics on http://\(metricsServer!.address)/metrics")
            } catch {
                logger.error("cannot serve metrics on \(listen): \(error)", metadata: ["VIGIL_ERROR": "\(error)"])
            }
        }
        if let path = daemon.metricsTextfile {
            let writer = TextfileWriter(path: path)
            let timer = DispatchSource.makeTimerSource(queue: queue)
            timer.setEventHandler { @Sendable [unowned self] in
                // Rendered here, where the figures live; written elsewhere, because a slow disk must not stall the
                // engine (and with it the watchdog).
                let text = PrometheusText.render(self.metricsSnapshot())
                let logger = self.logger
                DispatchQueue.global(qos: .utility).async { @Sendable in
                    do {
                        try writer.write(text)
                    } catch {
                        logger.warning("cannot write metrics to \(path): \(error)")
                    }
                }
            }
            let period = Int(Self.textfileInterval.nanoseconds)
            timer.schedule(deadline: .now(), repeating: .nanoseconds(period), leeway: .seconds(1))
            timer.activate()
            textfileTimer = timer
        }
    }

    /// Every figure the metrics endpoints report, as of now.
    func metricsSnapshot() -> MetricsSnapshot {
        dispatchPrecondition(condition: .onQueue(queue))
        let now = MonotonicClock.now()
        var drops: [HeartbeatDropReason: UInt64] = [:]
        for (reason, count) in heartbeatIngress.value?.dropped ?? [:] {
            drops[reason] = UInt64(count)
        }
        var snapshot = MetricsSnapshot(
            startTimeSeconds: startedAtRealtime,
            targets: order.compactMap { targets[$0] }.map { runtime in
                MetricsSnapshot.Target(
                    name: runtime.name,
                    kind: runtime.config.kind.rawValue,
                    state: runtime.machine.state.word,
                    restartsTotal: UInt64(runtime.restartsBefore + runtime.machine.restarts),
                    failoversTotal: UInt64(runtime.failovers),
                    faultsTotal: UInt64(runtime.faults),
                    heartbeatSuspicionsTotal: UInt64(runtime.suspicions),
                    heartbeatFalseSuspicionsTotal: UInt64(runtime.falseSuspicions),
                    recoveryExhaustedTotal: UInt64(runtime.recoveriesExhausted),
                    heartbeatLevel: runtime.judge?.detector.level(at: now),
                    detection: runtime.detection,
                    recovery: runtime.recovery
                )
            },
            heartbeatDrops: drops,
            engineLateness: engineLateness,
            reloads: MetricsSnapshot.Reloads(ok: UInt64(reloadsOK), rejected: UInt64(reloadsRejected))
        )
        snapshot.hostPressure = hostSampler?.pressure
        snapshot.stateFileWritable = stateWriter == nil ? nil : stateFileWritable
        let raised = hostDetectors.filter(\.phase.isRaised)
        snapshot.hostFaultsRaised = raised.filter { $0.check.severity == .fault }.count
        snapshot.hostWarningsRaised = raised.count - snapshot.hostFaultsRaised
        return snapshot
    }

    /// Feeds the per-target figures from an event as it is recorded.
    func account(_ event: Event) {
        guard let name = event.target, let runtime = targets[name] else {
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
                runtime.detection.observe(.microseconds(detect))
            }
            // The exit of a convicted process was counted at its conviction.
            if event.fields["FAULT"] == nil {
                runtime.faults += 1
            }
            runtime.downSince = event.time
        case .targetSpawnFailed:
            runtime.faults += 1
        case .heartbeatSuspected:
            runtime.suspicions += 1
        case .heartbeatCleared:
            runtime.falseSuspicions += 1
        case .recoveryExhausted:
            runtime.recoveriesExhausted += 1
        case .targetStarted:
            if let down = runtime.downSince {
                runtime.recovery.observe(event.time - down)
                runtime.downSince = nil
            }
        case .targetFaulted:
            runtime.faults += 1
            runtime.downSince = event.time
        case .failoverCompleted:
            runtime.failovers += 1
        default:
            break
        }
    }
}
