/// The restart policy of one process target: a value-type state machine that takes what happened (spawned,
/// exited, timer fired, stop asked for) with the current time and answers what to do.
///
/// It owns backoff, the crash-loop limit (`burst` restarts `within` a window, then `failed`), stable-run resets
/// and stop escalation. It performs no I/O and reads no clock, so it is tested with a hand-driven clock.
public struct RestartStateMachine: Sendable {
    public let target: String
    public private(set) var restart: RestartConfig
    public let stopSignal: Signal
    public private(set) var stopTimeout: Duration
    public private(set) var state: SupervisionState = .idle
    /// Consecutive restarts since the last stable run; picks the backoff step.
    public private(set) var attempt = 0
    /// Restarts since the machine was made.
    public private(set) var restarts = 0
    /// When restarts happened, within the current `within` window.
    public private(set) var recentRestarts: [MonotonicInstant] = []
    /// Whether the target has had its first verdict: started (lived `start_grace`), exited, failed to spawn.
    public private(set) var hasVerdict = false
    /// Maintenance: monitoring and events go on, but nothing is restarted or killed for a fault.
    public private(set) var maintenance = false
    /// The target went down during maintenance; leaving maintenance starts it again.
    public private(set) var downInMaintenance = false
    /// Why the target last failed (an unexpected exit, a fault, a start that did not work); kept until the next
    /// start so the health verdict and the recovery ladder carry the detector's own evidence.
    public private(set) var lastFailure: Evidence?
    private var backoff: Backoff
    private var random: SplitMix64
    /// A recovery ladder decides what follows a failure (`recovery` in the configuration): the machine reports the
    /// exit and stays down (`finished`) instead of restarting under its own backoff.
    public var recoversExternally = false

    /// - Parameters:
    ///   - target: the target's configuration; only its name, restart table and stop settings are used.
    ///   - seed: seeds the jitter; tests pass a fixed one.
    public init(target: TargetConfig, seed: UInt64) {
        self.target = target.name
        self.restart = target.restart
        self.stopSignal = target.stopSignal
        self.stopTimeout = target.stopTimeout
        self.backoff = Backoff(min: target.restart.backoffMin, max: target.restart.backoffMax)
        self.random = SplitMix64(seed: seed)
    }

    /// A reload changed the target's policy only (`ConfigDiff.changedInPlace`): its restart table and stop timeout
    /// apply from now on, to the same instance. The state (and so the PID), the attempt and the restart counts are
    /// kept: a backoff under way keeps its deadline (the new backoff applies from the next restart), a start grace
    /// under way ends at the new one, a stop under way keeps its deadline, and a `burst` lowered below the restarts
    /// already in the window gives up at the next failure.
    /// - Parameter target: the new configuration of the same target; its name and stop signal are not changed.
    public mutating func updatePolicy(from target: TargetConfig) {
        restart = target.restart
        stopTimeout = target.stopTimeout
        backoff = Backoff(min: target.restart.backoffMin, max: target.restart.backoffMax)
    }

    /// Starts the target from `idle`, `failed` or `finished` (clearing a failed state); otherwise does nothing.
    public mutating func start(now: MonotonicInstant) -> [SupervisionAction] {
        switch state {
        case .idle, .failed, .finished:
            attempt = 0
            recentRestarts = []
            state = .spawning
            return [.disarmTimer, .spawn]
        default:
            return []
        }
    }

    /// The spawn asked for succeeded, or a waiting target's processes appeared: vigild started an instance, or found
    /// one running that it takes instead.
    /// - Parameters:
    ///   - pid: the instance's process (0 for an instance without one of its own, such as some units).
    ///   - adopted: vigild did not start it (it ran before vigild restarted, its cgroup or PID file named it, its
    ///     unit or domain was already up): announced as `target-adopted`, never as a start. It is supervised the
    ///     same way from here on.
    public mutating func spawned(pid: Int32, now: MonotonicInstant, adopted: Bool = false) -> [SupervisionAction] {
        switch state {
        case .spawning, .waiting: break
        default: return []
        }
        state = .starting(pid: pid, since: now)
        let event =
            adopted
            ? Event(
                kind: .targetAdopted,
                target: target,
                message: "\(target): adopted (pid \(pid)), already running; not started again",
                fields: ["PID": String(pid), "ATTEMPT": String(attempt)],
                time: now
            )
            : Event(
                kind: .targetStarted,
                target: target,
                message: "\(target): started (pid \(pid))" + (attempt > 0 ? ", restart \(attempt)" : ""),
                fields: ["PID": String(pid), "ATTEMPT": String(attempt)],
                time: now
            )
        return [.emit(event), .armTimer(at: now + restart.startGrace)]
    }

    /// The spawn found nothing to adopt and has no way to start the target (a cgroup or vm target without a `start`
    /// command): the target waits for its processes, which is not a failure, so no restart is counted.
    /// - Parameter reason: what was found (`cgroup /db has no processes`), for the event and `vigilctl status`.
    public mutating func waitForProcesses(reason: String, now: MonotonicInstant) -> [SupervisionAction] {
        guard case .spawning = state else { return [] }
        state = .waiting(since: now, reason: reason)
        // Waiting is where such a target is meant to be until its processes appear: it does not hold up READY=1.
        hasVerdict = true
        let event = Event(
            kind: .targetWaiting,
            target: target,
            message: "\(target): waiting: \(reason); its processes will be adopted when they appear",
            fields: ["REASON": reason],
            time: now
        )
        return [.disarmTimer, .emit(event)]
    }

    /// The spawn asked for failed before the program ran (e.g. `execve` failed).
    public mutating func spawnFailed(reason: String, now: MonotonicInstant) -> [SupervisionAction] {
        guard case .spawning = state else { return [] }
        lastFailure = Evidence(.start, "could not be started: \(reason)", figures: ["ERROR": reason])
        if recoversExternally {
            state = .finished(status: .lost(cause: "could not be started: \(reason)"))
            hasVerdict = true
            let event = Event(
                kind: .targetSpawnFailed,
                target: target,
                message: "\(target): could not be started: \(reason)",
                fields: ["ERROR": reason, "ATTEMPT": String(attempt)],
                time: now
            )
            return [.disarmTimer, .emit(event)]
        }
        let event = Event(
            kind: .targetSpawnFailed,
            target: target,
            message: "\(target): could not be started: \(reason)",
            fields: ["ERROR": reason, "ATTEMPT": String(attempt)],
            time: now
        )
        return [.emit(event)] + scheduleRestart(now: now, uptime: .zero)
    }

    /// The target's process has been reaped.
    /// - Parameters:
    ///   - detectedAfter: time from the exit to vigild noticing, when known.
    public mutating func exited(
        pid: Int32,
        status: ExitStatus,
        now: MonotonicInstant,
        detectedAfter: Duration? = nil
    ) -> [SupervisionAction] {
        let since: MonotonicInstant
        var expected = false
        var fault: Evidence?
        switch state {
        case .starting(let running, let start), .running(let running, let start):
            guard running == pid else { return [] }
            since = start
        case .recovering(let running, let start, let evidence):
            guard running == pid else { return [] }
            since = start
            fault = evidence
        case .stopping(let running, _, _):
            guard running == pid else { return [] }
            since = now
            expected = true
        default:
            return []
        }
        var fields = status.fields
        fields["PID"] = String(pid)
        if let detectedAfter {
            fields["DETECT_USEC"] = String(detectedAfter.microseconds)
        }
        if expected {
            fields["EXPECTED"] = "1"
            state = .idle
            let event = Event(
                kind: .targetExited,
                target: target,
                message: "\(target): stopped (pid \(pid), \(status))",
                fields: fields,
                time: now,
                severity: .notice
            )
            return [.disarmTimer, .emit(event)]
        }
        let uptime = now - since
        fields["UPTIME_USEC"] = String(uptime.microseconds)
        if let fault {
            fields["FAULT"] = fault.description
        }
        if maintenance {
            fields["MAINTENANCE"] = "1"
        }
        let cause =
            (fault.map { ", killed by vigild: \($0)" } ?? "") + (maintenance ? "; maintenance: not restarting" : "")
        lastFailure = fault ?? Evidence(.exit, "exited with \(status)", figures: status.fields)
        let exitEvent = Event(
            kind: .targetExited,
            target: target,
            message: "\(target): exited with \(status) after \(uptime.humanReadable) (pid \(pid)\(cause))",
            fields: fields,
            time: now
        )
        if recoversExternally {
            state = .finished(status: status)
            hasVerdict = true
            return [.disarmTimer, .emit(exitEvent)]
        }
        let restartWanted: Bool
        switch restart.mode {
        case .always: restartWanted = true
        case .onFailure: restartWanted = !status.isSuccess
        case .never: restartWanted = false
        }
        // A fault is a failure whatever the exit status the kill produced.
        guard restartWanted || fault != nil else {
            state = .finished(status: status)
            hasVerdict = true
            return [.disarmTimer, .emit(exitEvent)]
        }
        return [.emit(exitEvent)] + scheduleRestart(now: now, uptime: uptime)
    }

    /// The target's timer went off.
    public mutating func timerFired(now: MonotonicInstant) -> [SupervisionAction] {
        switch state {
        case .backingOff(let until):
            guard now >= until else { return [.armTimer(at: until)] }
            state = .spawning
            return [.spawn]
        case .starting(let pid, let since):
            guard now >= since + restart.startGrace else { return [.armTimer(at: since + restart.startGrace)] }
            state = .running(pid: pid, since: since)
            hasVerdict = true
            return []
        case .stopping(let pid, let deadline, let escalated):
            guard !escalated else { return [] }
            guard now >= deadline else { return [.armTimer(at: deadline)] }
            state = .stopping(pid: pid, deadline: deadline, escalated: true)
            let event = Event(
                kind: .stopEscalated,
                target: target,
                message:
                    "\(target): did not stop within \(stopTimeout.humanReadable) of \(stopSignal), sending SIGKILL",
                fields: ["PID": String(pid), "SIGNAL": Signal.kill.description],
                time: now
            )
            return [.emit(event), .signal(.kill)]
        default:
            return []
        }
    }

    /// The target said it is ready (sd_notify `READY=1`): it counts as started without waiting out `start_grace`.
    public mutating func ready(now: MonotonicInstant) -> [SupervisionAction] {
        guard case .starting(let pid, let since) = state else { return [] }
        state = .running(pid: pid, since: since)
        hasVerdict = true
        return [.disarmTimer]
    }

    /// Enters or leaves maintenance. Leaving it starts a target that went down meanwhile.
    public mutating func setMaintenance(_ on: Bool, now: MonotonicInstant) -> [SupervisionAction] {
        maintenance = on
        guard !on, downInMaintenance else { return [] }
        downInMaintenance = false
        guard case .idle = state else { return [] }
        return start(now: now)
    }

    /// The target is alive but judged failed (its heartbeat detector convicted it): it is killed with `SIGKILL`
    /// (a hung or stopped process would not act on a polite signal) and restarted once reaped, under the same
    /// backoff and burst limit as a crash.
    /// - Parameter evidence: what the detector found, for the event, the exit that follows and the health verdict.
    public mutating func fault(now: MonotonicInstant, evidence: Evidence) -> [SupervisionAction] {
        guard !maintenance else { return [] }
        switch state {
        case .starting(let pid, let since), .running(let pid, let since):
            state = .recovering(pid: pid, since: since, evidence: evidence)
            lastFailure = evidence
            var fields = ["PID": String(pid), "FAULT": evidence.description, "SIGNAL": Signal.kill.description]
            fields["FAULT_DETECTOR"] = evidence.detector.rawValue
            fields.merge(evidence.figures) { own, _ in own }
            let event = Event(
                kind: .targetFaulted,
                target: target,
                message: "\(target): \(evidence); killing pid \(pid) to restart it",
                fields: fields,
                time: now
            )
            return [.disarmTimer, .emit(event), .signal(.kill)]
        default:
            return []
        }
    }

    /// Stops the target: its stop signal now, `SIGKILL` after `stop_timeout`. A pending restart is cancelled.
    /// - Parameter reason: why, for the event (`shutdown`, `removed from configuration`, …).
    public mutating func stop(now: MonotonicInstant, reason: String) -> [SupervisionAction] {
        switch state {
        case .starting(let pid, _), .running(let pid, _), .recovering(let pid, _, _):
            let deadline = now + stopTimeout
            state = .stopping(pid: pid, deadline: deadline, escalated: false)
            let event = Event(
                kind: .targetStopping,
                target: target,
                message: "\(target): stopping (pid \(pid), \(stopSignal), \(reason))",
                fields: ["PID": String(pid), "SIGNAL": stopSignal.description, "REASON": reason],
                time: now
            )
            return [.emit(event), .signal(stopSignal), .armTimer(at: deadline)]
        case .backingOff, .failed, .finished, .idle, .spawning, .waiting:
            state = .idle
            return [.disarmTimer]
        case .stopping:
            return []
        }
    }

    /// Whether the target has no process and none is coming: what shutdown and reload wait for. A waiting target
    /// has none, and none that vigild started.
    public var isDown: Bool {
        switch state {
        case .idle, .failed, .finished, .waiting: true
        default: false
        }
    }

    private mutating func scheduleRestart(now: MonotonicInstant, uptime: Duration) -> [SupervisionAction] {
        if maintenance {
            state = .idle
            downInMaintenance = true
            hasVerdict = true
            return [.disarmTimer]
        }
        if uptime >= restart.stableAfter {
            attempt = 0
        }
        recentRestarts.removeAll { now - $0 >= restart.within }
        if recentRestarts.count >= restart.burst {
            state = .failed(since: now)
            hasVerdict = true
            let event = Event(
                kind: .targetGaveUp,
                target: target,
                message: "\(target): gave up after \(recentRestarts.count) restarts within "
                    + "\(restart.within.humanReadable); not restarting until reset",
                fields: ["RESTARTS": String(recentRestarts.count), "WITHIN_USEC": String(restart.within.microseconds)],
                time: now
            )
            return [.disarmTimer, .emit(event)]
        }
        attempt += 1
        restarts += 1
        recentRestarts.append(now)
        // An exit is a verdict too: a target that dies during its first start grace is not coming up cleanly.
        hasVerdict = true
        let delay = backoff.delay(attempt: attempt, unit: random.nextUnit())
        let event = Event(
            kind: .restartScheduled,
            target: target,
            message: "\(target): restart \(attempt) in \(delay.humanReadable)",
            fields: ["ATTEMPT": String(attempt), "BACKOFF_USEC": String(delay.microseconds)],
            time: now
        )
        if delay <= .zero {
            state = .spawning
            return [.emit(event), .spawn]
        }
        state = .backingOff(until: now + delay)
        return [.emit(event), .armTimer(at: now + delay)]
    }
}
