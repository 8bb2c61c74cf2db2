import Dispatch
import Logging
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

extension Engine {
    /// SIGTERM and SIGINT stop everything; SIGHUP reloads. The signals are ignored first, as Dispatch requires,
    /// so their default action (exit) never runs; children get default dispositions back at spawn.
    func installSignalHandlers() {
        let handlers: [(Int32, @Sendable () -> Void)] = [
            (SIGTERM, { @Sendable [unowned self] in self.shutdown(reason: "SIGTERM") }),
            (SIGINT, { @Sendable [unowned self] in self.shutdown(reason: "SIGINT") }),
            (SIGHUP, { @Sendable [unowned self] in _ = self.reload() }),
        ]
        for (number, handler) in handlers {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler(handler: handler)
            source.activate()
            signalSources.append(source)
        }
    }

    /// Pings systemd's watchdog at half of `WATCHDOG_USEC`, from the engine queue itself: if the engine is stuck,
    /// the pings stop and systemd restarts vigild.
    func startWatchdog() {
        guard let interval = notifier.watchdogInterval() else { return }
        let period = interval / 2
        let timer = DispatchSource.makeTimerSource(flags: .strict, queue: queue)
        timer.setEventHandler { @Sendable [unowned self] in
            self.notifier.watchdog()
        }
        timer.schedule(
            deadline: .now(),
            repeating: .nanoseconds(Int(period.nanoseconds)),
            leeway: .nanoseconds(Int(period.nanoseconds / 20))
        )
        timer.activate()
        watchdogTimer = timer
        logger.debug("watchdog every \(period.humanReadable)")
    }

    /// Subscribes to the kernel's exit timestamps so every exit event can say how long vigild took to notice it.
    func startExitTimestamps() {
        switch ExitTimestamps.open(queue: queue) {
        case .success(let timestamps):
            exitTimestamps = timestamps
        case .failure(let error):
            logger.notice("exit detection latency not measured (needs CAP_NET_ADMIN and CONFIG_PROC_EVENTS): \(error)")
        }
    }

    /// Stops every target (stop signal, then SIGKILL after its `stop_timeout`) and exits once all are reaped.
    /// A second request while stopping kills what is left at once.
    func shutdown(reason: String) {
        dispatchPrecondition(condition: .onQueue(queue))
        let now = MonotonicClock.now()
        if shuttingDown {
            logger.warning("second stop request (\(reason)): killing what is left")
            for runtime in targets.values where runtime.config.spawnsProcess {
                send(.kill, to: runtime)
            }
            return
        }
        shuttingDown = true
        notifier.stopping()
        record(
            Event(
                kind: .daemonStopping,
                message: "vigild stopping (\(reason)): stopping \(targets.count) targets",
                fields: ["REASON": reason],
                time: now
            )
        )
        for name in order {
            // cgroup, vm and service targets, and daemons another actuator started, are not vigild's children:
            // they keep running, and are adopted again when vigild comes back.
            guard let runtime = targets[name], runtime.config.spawnsProcess else { continue }
            perform(runtime.machine.stop(now: now, reason: "vigild stopping"), for: runtime)
        }
        afterChange()
    }

    func finish() {
        for source in signalSources {
            source.cancel()
        }
        signalSources = []
        watchdogTimer?.cancel()
        watchdogTimer = nil
        healthTimer?.cancel()
        healthTimer = nil
        persistStateIfChanged()
        stateWriter?.flush()
        awaitKilledProcessCgroups()
        for runtime in targets.values {
            detachCgroup(runtime)
        }
        targetCgroups?.removeParentIfEmpty()
        inotify?.cancel()
        inotify = nil
        pressureTriggers?.cancel()
        pressureTriggers = nil
        exitTimestamps?.cancel()
        exitTimestamps = nil
        controlServer?.cancel()
        controlServer = nil
        metricsServer?.stop()
        metricsServer = nil
        textfileTimer?.cancel()
        textfileTimer = nil
        for follower in followers {
            follower.connection.close()
        }
        followers = []
        heartbeatIngress.value?.close()
        heartbeatIngress.value = nil
        selfCheckTimer?.cancel()
        selfCheckTimer = nil
        for runtime in targets.values {
            runtime.close()
        }
        targets = [:]
        logger.info("vigild stopped")
        onFinished(0)
    }

    /// Reads the configuration again. An invalid one changes nothing and is logged with every problem; a valid one
    /// starts added targets, stops removed ones, restarts changed ones, leaves the rest alone and clears `failed`.
    @discardableResult
    func reload() -> Result<ConfigDiff, ConfigError> {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !shuttingDown else {
            return .failure(
                ConfigError(
                    file: loaded.file,
                    problems: [ConfigProblem(line: nil, key: "daemon", message: "vigild is stopping")]
                )
            )
        }
        let now = MonotonicClock.now()
        notifier.reloading(monotonicUsec: now.microseconds)
        let fresh: LoadedConfig
        do {
            fresh = try loader()
        } catch {
            record(
                Event(
                    kind: .reloadRejected,
                    message: "reload rejected, configuration unchanged: \(error.problems.count) problem(s)\n"
                        + error.lines(limit: 50).joined(separator: "\n"),
                    fields: ["CONFIG_FILE": error.file, "PROBLEMS": error.lines(limit: 50).joined(separator: "\n")],
                    time: now
                )
            )
            notifier.ready(status: statusLine())
            return .failure(error)
        }
        let diff = ConfigDiff(old: loaded.config, new: fresh.config)
        for name in diff.removed {
            guard let runtime = targets[name] else { continue }
            runtime.whenDown = .remove
            perform(runtime.machine.stop(now: now, reason: "removed from configuration"), for: runtime)
        }
        for name in diff.changed {
            guard let runtime = targets[name], let target = fresh.config.target(named: name) else { continue }
            runtime.whenDown = .replace(target, fresh.launches[name])
            perform(runtime.machine.stop(now: now, reason: "configuration changed"), for: runtime)
        }
        logger.logLevel = LogBackend.logLevel(fresh.config.daemon.logLevel)
        let previousOrder = order
        let previousControlSocket = loaded.config.daemon.effectiveControlSocket
        let previousAccess = loaded.controlAccess
        let previousMetrics = (
            listen: loaded.config.daemon.metricsListen, textfile: loaded.config.daemon.metricsTextfile
        )
        let endpointsChanged = fresh.heartbeatEndpoints != loaded.heartbeatEndpoints
        let hostChanged = fresh.config.host != loaded.config.host
        let tickChanged = fresh.config.daemon.tick != loaded.config.daemon.tick
        loaded = fresh
        configureServices()
        if hostChanged {
            configureHostChecks()
        }
        if tickChanged {
            restartHealthTick()
        }
        if endpointsChanged {
            startHeartbeatIngress()
        } else {
            heartbeatIngress.value?.update(keys: heartbeatKeys())
        }
        order = fresh.config.targets.map(\.name) + previousOrder.filter { targets[$0]?.whenDown.isRemove == true }
        for name in diff.added {
            guard let target = fresh.config.target(named: name) else { continue }
            add(target)
        }
        for name in diff.unchanged {
            guard let runtime = targets[name], case .failed = runtime.machine.state else { continue }
            perform(runtime.machine.start(now: now), for: runtime)
        }
        record(
            Event(
                kind: .reloadSucceeded,
                message: "configuration reloaded: \(diff.summary)",
                fields: [
                    "CONFIG_FILE": fresh.file,
                    "ADDED": diff.added.joined(separator: " "),
                    "REMOVED": diff.removed.joined(separator: " "),
                    "CHANGED": diff.changed.joined(separator: " "),
                ],
                time: now
            )
        )
        let controlChanged =
            fresh.config.daemon.effectiveControlSocket != previousControlSocket
            || fresh.controlAccess != previousAccess
        if controlChanged {
            startControlServer()
        }
        if fresh.config.daemon.metricsListen != previousMetrics.listen
            || fresh.config.daemon.metricsTextfile != previousMetrics.textfile
        {
            startMetrics()
        }
        afterChange()
        notifier.ready(status: statusLine())
        return .success(diff)
    }
}

extension TargetRuntime.WhenDown {
    var isRemove: Bool {
        if case .remove = self { return true }
        return false
    }
}
