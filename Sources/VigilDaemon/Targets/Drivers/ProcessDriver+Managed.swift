import VigilCore
import VigilLinux

/// Daemons another actuator starts (`exec` hooks): a running process its PID file names is adopted (never started
/// twice); otherwise a stale PID file is removed, the actuator's `start` runs, and the PID file is read until it
/// names a running process, within `start_timeout`.
extension ProcessDriver {
    func startManaged() {
        guard let actuator, let pidFile = config.pidFile else {
            supervisor.startFailed("no actuator to start it (see the log)")
            return
        }
        if case .live(let pid) = removeStalePidFile(), adopt(pid: pid, found: "already running (named by \(pidFile))") {
            return
        }
        let startedAt = engine.now
        instance = .starting(
            actuator.perform(.start, timeout: config.startTimeout) { @Sendable [weak engine, name] outcome in
                engine?.handle(.target(name, .driver(.managedStartEnded(outcome, startedAt: startedAt))))
            }
        )
    }

    func managedStartEnded(_ outcome: ActuatorOutcome, startedAt: MonotonicInstant) {
        guard case .starting = instance else { return }
        instance = .none(found: nil)
        guard supervisor.isSpawning else { return }
        guard outcome.succeeded else {
            var reason = "\(actuator?.name ?? "actuator") start \(outcome)"
            if let output = outcome.report?.output?.text.split(separator: "\n").last {
                reason += " (\(output))"
            }
            supervisor.startFailed(reason)
            return
        }
        awaitPidFile(deadline: startedAt + config.startTimeout)
    }

    /// Reads the PID file every 50 ms until it names a running process (adopted) or the deadline passes.
    func awaitPidFile(deadline: MonotonicInstant) {
        guard supervisor.isSpawning, let pidFile = config.pidFile else { return }
        if case .live(let pid) = PidFile.read(pidFile),
            adopt(pid: pid, found: "started by the \(actuator?.name ?? "") actuator", adopted: false)
        {
            return
        }
        let now = engine.now
        guard now < deadline else {
            supervisor.startFailed(
                "\(pidFile) named no running process \(config.startTimeout.humanReadable) after start"
            )
            return
        }
        // While it waits, the start counts as under way; letting the target go cancels the wait.
        let cancelled = QueueConfined(false, queue: engine.queue)
        instance = .starting(
            ActuatorCancellation { @Sendable in
                cancelled.queue.async { @Sendable in cancelled.value = true }
            }
        )
        engine.after(
            Self.pidFilePoll,
            post: .target(name, .driver(.pidFilePoll(deadline: deadline, cancelled: cancelled)))
        )
    }

    /// The next look at the PID file is due, unless the wait was cancelled.
    func pidFilePolled(deadline: MonotonicInstant, cancelled: QueueConfined<Bool>) {
        guard !cancelled.value, case .starting = instance else { return }
        instance = .none(found: nil)
        awaitPidFile(deadline: deadline)
    }

    /// Before a start: a PID file that names no running process is removed (it would stop some daemons from
    /// starting, or have a reader signal a recycled PID).
    @discardableResult
    func removeStalePidFile() -> PidFile.Reading {
        guard let pidFile = config.pidFile else { return .absent }
        let (reading, removed) = PidFile.removeIfStale(pidFile)
        if removed {
            engine.events.record(
                Event(
                    kind: .targetReclaimed,
                    target: name,
                    message: "\(name): removed stale PID file \(pidFile) (\(reading)) before starting it",
                    fields: ["PID_FILE": pidFile, "COUNT": "0"],
                    time: engine.now
                )
            )
        }
        return reading
    }
}
