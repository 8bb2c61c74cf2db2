import Dispatch
import Logging
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// vigild's own life: readiness, the status line, stopping.
package struct Lifecycle {
    var readySent = false
    package var shuttingDown = false
    var lastStatus = ""
    /// Holding them keeps the sources alive.
    var signalSources: [any DispatchSourceSignal] = []
    var watchdogTimer: (any EngineTimer)?
}

extension Engine {
    /// SIGTERM and SIGINT stop everything; SIGHUP reloads. The signals are ignored first, as Dispatch requires,
    /// so their default action (exit) never runs; children get default dispositions back at spawn.
    func installSignalHandlers() {
        let events: [(Int32, EngineEvent)] = [
            (SIGTERM, .stopRequested(reason: "SIGTERM")),
            (SIGINT, .stopRequested(reason: "SIGINT")),
            (SIGHUP, .reloadRequested),
        ]
        for (number, event) in events {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            let box = UncheckedEvent(event)
            source.setEventHandler { @Sendable [unowned self] in self.handle(box.event) }
            source.activate()
            lifecycle.signalSources.append(source)
        }
    }

    /// Pings systemd's watchdog at half of `WATCHDOG_USEC`, from the engine queue itself: if the engine is stuck,
    /// the pings stop and systemd restarts vigild.
    func startWatchdog() {
        guard let interval = settings.notifier.watchdogInterval() else { return }
        let period = interval / 2
        settings.notifier.watchdog()
        lifecycle.watchdogTimer = scheduler.makeRepeatingTimer(on: queue, every: period, leeway: period / 20) {
            @Sendable [unowned self] in
            self.handle(.watchdogDue)
        }
        logger.debug("watchdog every \(period.humanReadable)")
    }

    /// Stops every target (stop signal, then SIGKILL after its `stop_timeout`) and exits once all are reaped.
    /// A second request while stopping kills what is left at once.
    func shutdown(reason: String) {
        dispatchPrecondition(condition: .onQueue(queue))
        let now = self.now
        if lifecycle.shuttingDown {
            logger.warning("second stop request (\(reason)): killing what is left")
            for supervisor in targets.all where supervisor.stopsWithVigild {
                supervisor.driver.signal(.kill)
            }
            return
        }
        lifecycle.shuttingDown = true
        settings.notifier.stopping()
        events.record(
            Event(
                kind: .daemonStopping,
                message: "vigild stopping (\(reason)): stopping \(targets.count) targets",
                fields: ["REASON": reason],
                time: now
            )
        )
        // Targets that are not vigild's children (cgroups, units, domains, daemons another actuator started) keep
        // running, and are adopted again when vigild comes back.
        for supervisor in targets.all where supervisor.stopsWithVigild {
            supervisor.perform(supervisor.machine.stop(now: now, reason: "vigild stopping"))
        }
    }

    func finish() {
        for source in lifecycle.signalSources {
            source.cancel()
        }
        lifecycle.signalSources = []
        lifecycle.watchdogTimer?.cancel()
        lifecycle.watchdogTimer = nil
        health.stop()
        cluster?.stop()
        persistence.finish()
        targets.finish()
        control.stop()
        events.closeFollowers()
        metrics.stop()
        heartbeats.stop()
        logger.info("vigild stopped")
        settings.onFinished(0)
    }

    /// Settles what follows from a change: targets that went down for a reload or removal, readiness, the
    /// status line, and the end of a shutdown.
    func afterChange() {
        dispatchPrecondition(condition: .onQueue(queue))
        if !lifecycle.shuttingDown {
            recovery.settle()
            targets.settleFollowers()
            cluster?.claimFollowers()
        }
        targets.settleReplacements()
        heartbeats.updateSelfCheck()
        persistence.saveIfChanged()
        if lifecycle.shuttingDown {
            if targets.all.allSatisfy({ $0.isDownForGood || !$0.stopsWithVigild }) {
                finish()
            }
            return
        }
        // A standby that waits for a failover has no verdict to wait for.
        if !lifecycle.readySent,
            targets.all.allSatisfy({ $0.machine.hasVerdict || !recovery.startsWhenAdded($0.name) })
        {
            lifecycle.readySent = true
            let status = statusLine()
            lifecycle.lastStatus = status
            settings.notifier.ready(status: status)
            events.record(
                Event(
                    kind: .daemonReady,
                    message: "vigild ready: \(status)",
                    fields: ["TARGETS": String(targets.count)],
                    time: now
                )
            )
        }
        updateStatus()
    }

    func statusLine() -> String {
        let line = StatusSummary.line(states: targets.all.map(\.machine.state))
        let faults = health.hostFaults
        guard !faults.isEmpty else { return line }
        return "host fault: " + faults.map(\.text).joined(separator: "; ") + "; " + line
    }

    func updateStatus() {
        let status = lifecycle.shuttingDown ? "stopping: " + statusLine() : statusLine()
        guard status != lifecycle.lastStatus else { return }
        lifecycle.lastStatus = status
        settings.notifier.status(status)
    }
}
