import Dispatch
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// Process targets through their actuator: the built-in `process` actuator spawns `exec`; another one (`exec`
/// hooks, `signal`) starts and stops a daemon that vigild then finds through its PID file and watches by pidfd.
extension Engine {
    /// How often a started daemon's PID file is looked at until it names a running process.
    static let pidFilePoll: Duration = .milliseconds(50)

    /// The actuator of a process target (`nil` for other kinds, or when the configured one cannot be built; the
    /// loader has checked its settings, so that is only a host that changed since).
    func makeActuator(for runtime: TargetRuntime) -> (any Actuator)? {
        guard runtime.config.kind == .process else { return nil }
        if runtime.config.spawnsProcess {
            guard let launch = runtime.launch else { return nil }
            return ProcessActuator(
                target: runtime.name,
                launch: launch,
                stopSignal: runtime.config.stopSignal,
                journalOutput: targetOutputToJournal,
                context: actuatorContext()
            )
        }
        do {
            return try ActuatorRegistry.standard.make(for: runtime.config, context: actuatorContext())
        } catch {
            logger.error(
                "\(runtime.name): cannot build its actuator: \(error)",
                metadata: ["VIGIL_TARGET": "\(runtime.name)", "VIGIL_ERROR": "\(error)"]
            )
            return nil
        }
    }

    // MARK: - Starting

    /// The built-in actuator's `start`: the child comes back in the outcome, and is claimed and watched.
    func startProcess(_ runtime: TargetRuntime) {
        guard let actuator = runtime.actuator as? ProcessActuator else {
            perform(runtime.machine.spawnFailed(reason: "no process actuator", now: MonotonicClock.now()), for: runtime)
            return
        }
        removeStalePidFile(runtime)
        if let launch = runtime.launch {
            // Into the target's own cgroup, made (afresh if it was killed) by the reclamation just before.
            actuator.update(launch: launch.starting(inCgroup: runtime.cgroupDirectory))
        }
        let name = runtime.name
        runtime.operation = actuator.perform(.start, timeout: runtime.config.startTimeout) {
            @Sendable [weak self] outcome in
            self?.processStartEnded(target: name, outcome: outcome)
        }
    }

    private func processStartEnded(target name: String, outcome: ActuatorOutcome) {
        guard let runtime = targets[name], let actuator = runtime.actuator as? ProcessActuator else { return }
        runtime.operation = nil
        let process = outcome.report?.pid.flatMap(actuator.claim)
        guard case .spawning = runtime.machine.state else {
            // Stopped while the spawn was under way: the new process is not wanted.
            if let process {
                discard(process, of: runtime)
            }
            afterChange()
            return
        }
        if let process {
            processSpawned(runtime, process)
        } else {
            let reason: String
            switch outcome {
            case .failed(let why, _): reason = why
            default: reason = "\(outcome)"
            }
            perform(runtime.machine.spawnFailed(reason: reason, now: MonotonicClock.now()), for: runtime)
        }
        afterChange()
    }

    /// Kills a child nobody wants and reaps it.
    private func discard(_ process: SpawnedProcess, of runtime: TargetRuntime) {
        let name = runtime.name
        _ = try? ProcessLauncher.signalGroup(process.pid, .kill)
        (runtime.actuator as? ProcessActuator)?.forget(process.pid)
        let watcher = PidfdWatcher(process: process, queue: queue) { @Sendable [weak self] exit in
            guard let self, let runtime = self.targets[name] else { return }
            runtime.strays.removeAll { $0.pid == exit.pid }
            self.afterChange()
        }
        runtime.strays.append(watcher)
    }

    /// A daemon started by another actuator: a running process its PID file names is adopted (never started
    /// twice); otherwise a stale PID file is removed, the actuator's `start` runs, and the PID file is read until
    /// it names a running process, within `start_timeout`.
    func startManaged(_ runtime: TargetRuntime) {
        guard let actuator = runtime.actuator, let pidFile = runtime.config.pidFile else {
            let reason = "no actuator to start it (see the log)"
            perform(runtime.machine.spawnFailed(reason: reason, now: MonotonicClock.now()), for: runtime)
            return
        }
        if case .live(let pid) = removeStalePidFile(runtime),
            adoptProcess(runtime, pid: pid, found: "already running (named by \(pidFile))")
        {
            return
        }
        let name = runtime.name
        let startedAt = MonotonicClock.now()
        runtime.operation = actuator.perform(.start, timeout: runtime.config.startTimeout) {
            @Sendable [weak self] outcome in
            self?.managedStartEnded(target: name, outcome: outcome, startedAt: startedAt)
        }
    }

    private func managedStartEnded(target name: String, outcome: ActuatorOutcome, startedAt: MonotonicInstant) {
        guard let runtime = targets[name] else { return }
        runtime.operation = nil
        guard case .spawning = runtime.machine.state else {
            afterChange()
            return
        }
        guard outcome.succeeded else {
            var reason = "\(runtime.actuator?.name ?? "actuator") start \(outcome)"
            if let output = outcome.report?.output?.text.split(separator: "\n").last {
                reason += " (\(output))"
            }
            perform(runtime.machine.spawnFailed(reason: reason, now: MonotonicClock.now()), for: runtime)
            afterChange()
            return
        }
        awaitPidFile(runtime, deadline: startedAt + runtime.config.startTimeout)
    }

    /// Reads the PID file every 50 ms until it names a running process (adopted) or the deadline passes.
    private func awaitPidFile(_ runtime: TargetRuntime, deadline: MonotonicInstant) {
        guard case .spawning = runtime.machine.state, let pidFile = runtime.config.pidFile else { return }
        let name = runtime.name
        if case .live(let pid) = PidFile.read(pidFile),
            adoptProcess(
                runtime,
                pid: pid,
                found: "started by the \(runtime.actuator?.name ?? "") actuator",
                adopted: false
            )
        {
            return
        }
        let now = MonotonicClock.now()
        guard now < deadline else {
            let reason = "\(pidFile) named no running process \(runtime.config.startTimeout.humanReadable) after start"
            perform(runtime.machine.spawnFailed(reason: reason, now: now), for: runtime)
            return
        }
        let cancelled = QueueConfined(false, queue: queue)
        runtime.operation = ActuatorCancellation { @Sendable in
            cancelled.queue.async { @Sendable in cancelled.value = true }
        }
        queue.asyncAfter(deadline: .now() + DispatchTimeInterval.nanoseconds(Int(Self.pidFilePoll.nanoseconds))) {
            @Sendable [weak self] in
            guard let self, !cancelled.value, let runtime = self.targets[name] else { return }
            runtime.operation = nil
            self.awaitPidFile(runtime, deadline: deadline)
            self.afterChange()
        }
    }

    /// Before a start: a PID file that names no running process is removed (it would stop some daemons from
    /// starting, or have a reader signal a recycled PID).
    @discardableResult
    func removeStalePidFile(_ runtime: TargetRuntime) -> PidFile.Reading {
        guard let pidFile = runtime.config.pidFile else { return .absent }
        let (reading, removed) = PidFile.removeIfStale(pidFile)
        if removed {
            record(
                Event(
                    kind: .targetReclaimed,
                    target: runtime.name,
                    message: "\(runtime.name): removed stale PID file \(pidFile) (\(reading)) before starting it",
                    fields: ["PID_FILE": pidFile, "COUNT": "0"],
                    time: MonotonicClock.now()
                )
            )
        }
        return reading
    }

    // MARK: - Signals

    /// A signal of the restart policy through the target's actuator: the stop signal while stopping is the
    /// actuator's `stop` (an `exec` stop hook), anything else `kill(signal)`; an actuator that cannot do that
    /// (no hook for it) leaves it to vigild, which signals the process it watches.
    func signalProcess(_ runtime: TargetRuntime, pid: Int32, _ signal: VigilCore.Signal) {
        let name = runtime.name
        var stopping = false
        if case .stopping = runtime.machine.state {
            stopping = true
        }
        let operation: ActuatorOperation =
            !runtime.config.spawnsProcess && stopping && signal == runtime.config.stopSignal ? .stop : .kill(signal)
        guard let actuator = runtime.actuator, actuator.supports(operation) else {
            if kill(pid, signal.number) != 0, errno != ESRCH {
                let error = SystemError(call: "kill", subject: "pid \(pid)", errno: errno)
                logger.warning(
                    "could not signal \(name): \(error)",
                    metadata: ["VIGIL_TARGET": "\(name)", "VIGIL_PID": "\(pid)"]
                )
            }
            return
        }
        actuator.perform(operation, timeout: runtime.config.stopTimeout) { @Sendable [weak self] outcome in
            guard let self, !outcome.succeeded else { return }
            self.logger.warning(
                "could not \(operation) \(name): \(outcome)",
                metadata: ["VIGIL_TARGET": "\(name)", "VIGIL_PID": "\(pid)"]
            )
        }
    }
}
