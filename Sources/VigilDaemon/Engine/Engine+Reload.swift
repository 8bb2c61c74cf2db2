import Dispatch
import Logging
import VigilCore
import VigilLinux

extension Engine {
    /// Reads the configuration again. An invalid one changes nothing and is logged with every problem; a valid one
    /// starts added targets, stops removed ones, restarts changed ones, applies policy-only changes to the running
    /// instance (`ConfigDiff`), leaves the rest alone and clears `failed`.
    @discardableResult
    func reload() -> Result<ConfigDiff, ConfigError> {
        dispatchPrecondition(condition: .onQueue(queue))
        guard !lifecycle.shuttingDown else {
            return .failure(
                ConfigError(
                    file: loaded.file,
                    problems: [ConfigProblem(line: nil, key: "daemon", message: "vigild is stopping")]
                )
            )
        }
        let now = self.now
        settings.notifier.reloading(monotonicUsec: now.microseconds)
        let fresh: LoadedConfig
        do throws(ConfigError) {
            fresh = try settings.loader()
            if fresh.config.cluster != loaded.config.cluster {
                let message = "the [cluster] table cannot change on a reload: restart vigild to join another cluster"
                throw ConfigError(
                    file: fresh.file,
                    problems: [ConfigProblem(line: nil, key: "cluster", message: message)]
                )
            }
        } catch {
            events.record(
                Event(
                    kind: .reloadRejected,
                    message: "reload rejected, configuration unchanged: \(error.problems.count) problem(s)\n"
                        + error.lines(limit: 50).joined(separator: "\n"),
                    fields: ["CONFIG_FILE": error.file, "PROBLEMS": error.lines(limit: 50).joined(separator: "\n")],
                    time: now
                )
            )
            settings.notifier.ready(status: statusLine())
            return .failure(error)
        }
        // As at start: what may not work on this host now is said, though the file is applied.
        for line in fresh.warningLines {
            logger.warning("\(line)")
        }
        let diff = ConfigDiff(old: loaded.config, new: fresh.config)
        for name in diff.removed {
            targets[name]?.stop(then: .remove, reason: "removed from configuration")
        }
        for name in diff.changed {
            guard let target = fresh.config.target(named: name) else { continue }
            targets[name]?.stop(then: .replace(target, fresh.launches[name]), reason: "configuration changed")
        }
        logger.logLevel = LogBackend.logLevel(fresh.config.daemon.logLevel)
        let previous = loaded
        loaded = fresh
        let modeChanged = recovery.configure()
        if fresh.config.host != previous.config.host {
            health.configureHostChecks()
        }
        if fresh.config.daemon.tick != previous.config.daemon.tick {
            health.restartTick()
        }
        if fresh.heartbeatEndpoints != previous.heartbeatEndpoints {
            heartbeats.start()
        } else {
            heartbeats.updateKeys()
        }
        targets.reorder(fresh.config.targets.map(\.name))
        for name in diff.added {
            guard let target = fresh.config.target(named: name) else { continue }
            targets.add(target)
        }
        for name in diff.changedInPlace {
            guard let target = fresh.config.target(named: name) else { continue }
            targets[name]?.applyInPlace(target, at: now)
        }
        for name in diff.unchanged + diff.changedInPlace {
            guard let supervisor = targets[name], case .failed = supervisor.machine.state else { continue }
            supervisor.perform(supervisor.machine.start(now: now))
        }
        recovery.applyStandbyModes(modeChanged)
        let inPlace =
            diff.changedInPlace.isEmpty ? "" : "; changed in place: " + diff.changedInPlace.joined(separator: ", ")
        events.record(
            Event(
                kind: .reloadSucceeded,
                message: "configuration reloaded: \(diff.summary)\(inPlace)",
                fields: [
                    "CONFIG_FILE": fresh.file,
                    "ADDED": diff.added.joined(separator: " "),
                    "REMOVED": diff.removed.joined(separator: " "),
                    "CHANGED": diff.changed.joined(separator: " "),
                    "CHANGED_IN_PLACE": diff.changedInPlace.joined(separator: " "),
                ],
                time: now
            )
        )
        if fresh.config.daemon.effectiveControlSocket != previous.config.daemon.effectiveControlSocket
            || fresh.controlAccess != previous.controlAccess
        {
            control.start()
        }
        if fresh.config.daemon.metricsListen != previous.config.daemon.metricsListen
            || fresh.config.daemon.metricsTextfile != previous.config.daemon.metricsTextfile
        {
            metrics.start()
        }
        afterChange()
        settings.notifier.ready(status: statusLine())
        return .success(diff)
    }
}
