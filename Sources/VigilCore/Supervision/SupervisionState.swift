/// Where a supervised process target is in its life.
public enum SupervisionState: Sendable, Equatable {
    /// Not running and not meant to be: never started, or stopped on request.
    case idle
    /// A spawn has been asked for and its result is not in yet.
    case spawning
    /// Running, but not yet for `start_grace`.
    case starting(pid: Int32, since: MonotonicInstant)
    /// A watched target with no `start` command found nothing to adopt (its cgroup is empty or missing, its machine
    /// not running): not a failure; its processes are adopted when they appear. `reason` says what was found.
    case waiting(since: MonotonicInstant, reason: String)
    /// Running for longer than `start_grace`.
    case running(pid: Int32, since: MonotonicInstant)
    /// Exited; the next start is due at `until`.
    case backingOff(until: MonotonicInstant)
    /// Judged failed while running (e.g. convicted by its heartbeat detector): killed, restarts when reaped.
    case recovering(pid: Int32, since: MonotonicInstant, evidence: Evidence)
    /// Asked to stop; `SIGKILL` follows at `deadline` unless it has already been sent.
    case stopping(pid: Int32, deadline: MonotonicInstant, escalated: Bool)
    /// Crash-looping: no more restarts until an operator acts (a reload or restart of vigild for now).
    case failed(since: MonotonicInstant)
    /// Exited and its restart mode says not to start it again.
    case finished(status: ExitStatus)

    /// The PID of the process, while there is one.
    public var pid: Int32? {
        switch self {
        case .starting(let pid, _), .running(let pid, _), .stopping(let pid, _, _), .recovering(let pid, _, _): pid
        default: nil
        }
    }

    /// Whether processes that appear in a watched target's cgroup are taken as its instance: while a start is under
    /// way (`spawning`) and while a watch-only target waits (`waiting`).
    public var awaitsProcesses: Bool {
        switch self {
        case .spawning, .waiting: true
        default: false
        }
    }

    /// One word for status lines: `running`, `starting`, `backoff`, `failed`…
    public var word: String {
        switch self {
        case .idle: "stopped"
        case .spawning, .starting: "starting"
        case .running: "running"
        case .waiting: "waiting"
        case .backingOff: "backoff"
        case .stopping: "stopping"
        case .recovering: "recovering"
        case .failed: "failed"
        case .finished: "exited"
        }
    }
}

/// What the caller of a `RestartStateMachine` must do. The machine never does anything itself.
public enum SupervisionAction: Sendable, Equatable {
    /// Spawn the target and report `spawned` or `spawnFailed`.
    case spawn
    /// Send a signal to the target's process group.
    case signal(Signal)
    /// (Re)arm the target's one timer; report `timerFired` when it goes off.
    case armTimer(at: MonotonicInstant)
    case disarmTimer
    /// Record this event.
    case emit(Event)
}
