import Dispatch
import VigilCore
import VigilLinux

/// Everything the engine holds for one target. Confined to the engine queue, like the engine itself.
final class TargetRuntime {
    var config: TargetConfig
    /// How to start it: the process for a process target, the `start` command for a cgroup or vm target (`nil`
    /// when it has none).
    var launch: LaunchSpec?
    var machine: RestartStateMachine
    /// The watcher of the running process, if any. Holding it keeps its DispatchSource alive.
    var watcher: PidfdWatcher?
    /// A process found running when vigild started (persisted PID and start time matched): not vigild's child, so
    /// it is observed rather than reaped.
    var adopted: ProcessExitObserver?
    /// A PID to adopt at the next spawn instead of starting a second instance.
    var adoptPID: Int32?
    /// The running process's start time in clock ticks after boot, which with its PID names it for good.
    var startTicks: UInt64?
    /// When vigild last sent `SIGKILL` to the process group itself: an upper bound of the exit time when the
    /// kernel's exit timestamps are not available.
    var killSentAt: MonotonicInstant?
    /// What to do once the target is down: nothing, forget it, or start it again with new settings.
    var whenDown: WhenDown = .nothing
    /// The heartbeat settings in force: the configured ones, with the interval a program set with
    /// `WATCHDOG_USEC=` over its notify socket.
    var heartbeatConfig: HeartbeatConfig?
    /// Judges the current process's heartbeats; `nil` while no process runs.
    var judge: HeartbeatJudge?
    /// When the heartbeat timer is due; compared with when it fires, to notice that vigild itself was stalled.
    var heartbeatDeadline: MonotonicInstant?
    /// The target's own `NOTIFY_SOCKET`, if it has one.
    var notifySocket: NotifySocket?
    /// The last `STATUS=` the target sent.
    var notifyStatus: String?
    /// Maintenance for this target alone (`vigilctl maintenance on T`).
    var maintenance = false
    /// Restarts of earlier state machines of this target (a restart on request replaces the machine).
    var restartsBefore = 0
    /// Failures as `vigilctl report` counts them: unexpected exits, convictions of a live process (heartbeat faults,
    /// watchdog triggers; a conviction and the exit it causes once) and failed starts.
    var faults = 0
    /// Heartbeat suspicions, and those a heartbeat cleared (false alarms).
    var suspicions = 0
    var falseSuspicions = 0
    /// Times the recovery ladder ran out of steps.
    var recoveriesExhausted = 0
    /// Failovers of the service this target is the primary of.
    var failovers = 0
    /// Exit → noticed, for every unexpected exit.
    var detection = Histogram()
    /// Failure noticed → the replacement process started.
    var recovery = Histogram()
    /// When the current outage began, if the target is down for a failure.
    var downSince: MonotonicInstant?
    /// One detector per configured check, fed each tick.
    var detectors: [CheckDetector] = []
    /// Reads the target's cgroup and main process for the checks; `nil` until there is a cgroup to read.
    var sampler: TargetSampler?
    /// The cgroup of a `cgroup` or `vm` target, and how vigild watches it; `nil` for process targets.
    var watched: WatchedCgroup?
    /// A process target's own cgroup directory, once made; its processes start there.
    var cgroupDirectory: String?
    /// Whether that cgroup may have been killed through `cgroup.kill` (by this vigild or, for one found at start,
    /// an earlier one): it is made afresh before the next start.
    var cgroupKilled = false
    /// Leftovers of the last instance being killed before the next start.
    var reclaim: PendingReclaim?
    /// The `start` command of a cgroup or vm target while it runs.
    var startCommand: PidfdWatcher?
    /// When the `start` command was launched, while the target waits for its cgroup to fill.
    var startLaunchedAt: MonotonicInstant?
    /// The actuator operation under way, whatever the kind: a process target's start (the spawn, an exec start
    /// hook, then the wait for its PID file), a unit's job, a domain's `virsh` command.
    var operation: ActuatorCancellation?
    /// A unit's or domain's state as its watcher last reported it, and the PID the state machine knows the running
    /// unit or domain by (a unit's MainPID, a domain's scope's first process, else 0).
    var actuatedState: ActuatorTargetState?
    var actuatedPID: Int32?
    /// A `service` target's unit watcher.
    var unitWatcher: SystemdUnitWatcher?
    /// What starts, stops and signals a process target: the built-in `ProcessActuator`, or the one its config
    /// names; `nil` for other kinds.
    var actuator: (any Actuator)?
    /// Children started for a runtime that no longer wanted them (stopped meanwhile): killed, watched until reaped.
    var strays: [PidfdWatcher] = []
    /// A `MainPID` read is under way for a unit that became active.
    var unitAwaitsMainPID = false
    /// A libvirt-driven `vm` target's domain watcher, and a revert under way (whose stop-and-start of the domain is
    /// not a death).
    var domainWatcher: LibvirtDomainWatcher?
    var domainRevert: Engine.DomainRevert?
    /// The restart-policy and heartbeat timers, made on first arming: most targets never need one or both, and at a
    /// thousand targets idle dispatch sources are a good part of vigild's memory.
    private var timer: (any DispatchSourceTimer)?
    private var heartbeatTimer: (any DispatchSourceTimer)?
    private let queue: DispatchQueue
    private let onTimer: @Sendable () -> Void
    private let onHeartbeatTimer: @Sendable () -> Void
    /// Set by `close()`: a closed runtime makes no timer any more.
    private var closed = false

    enum WhenDown {
        case nothing
        case remove
        case replace(TargetConfig, LaunchSpec?)
    }

    /// - Parameters:
    ///   - onTimer: called on `queue` when the target's restart-policy timer fires.
    ///   - onHeartbeatTimer: called on `queue` when the heartbeat deadline is reached.
    init(
        config: TargetConfig,
        launch: LaunchSpec?,
        seed: UInt64,
        queue: DispatchQueue,
        onTimer: @escaping @Sendable () -> Void,
        onHeartbeatTimer: @escaping @Sendable () -> Void
    ) {
        self.config = config
        self.launch = launch
        self.machine = RestartStateMachine(target: config, seed: seed)
        self.heartbeatConfig = config.heartbeat
        self.detectors = config.checks.map(CheckDetector.init)
        self.queue = queue
        self.onTimer = onTimer
        self.onHeartbeatTimer = onHeartbeatTimer
    }

    /// A timer source on the engine queue calling `handler`, activated and disarmed.
    private static func makeTimer(
        queue: DispatchQueue,
        _ handler: @escaping @Sendable () -> Void
    ) -> any DispatchSourceTimer {
        let timer = DispatchSource.makeTimerSource(flags: .strict, queue: queue)
        timer.setEventHandler { @Sendable in handler() }
        timer.schedule(deadline: .distantFuture)
        timer.activate()
        return timer
    }

    /// Arms the heartbeat timer for the judge's next deadline, or disarms it.
    func armHeartbeat(now: MonotonicInstant) {
        heartbeatDeadline = judge?.nextDeadline()
        guard let deadline = heartbeatDeadline else {
            heartbeatTimer?.schedule(deadline: .distantFuture)
            return
        }
        guard !closed else { return }
        let timer = heartbeatTimer ?? Self.makeTimer(queue: queue, onHeartbeatTimer)
        heartbeatTimer = timer
        let delay = max(deadline - now, .zero)
        timer.schedule(deadline: .now() + .nanoseconds(Int(delay.nanoseconds)), leeway: .milliseconds(1))
    }

    var name: String { config.name }

    /// Whether an instance runs: vigild's child process, or the watched cgroup's processes.
    var hasInstance: Bool {
        hasProcess || watched?.mainPID != nil || actuatedPID != nil
    }

    /// Whether vigild's process of this target runs, or is being started: its child, or a process it adopted.
    var hasProcess: Bool {
        watcher != nil || adopted != nil || (config.kind == .process && operation != nil) || !strays.isEmpty
    }

    /// Arms the one timer for `instant` on the monotonic clock, replacing any earlier arming.
    func arm(at instant: MonotonicInstant, now: MonotonicInstant) {
        guard !closed else { return }
        let timer = self.timer ?? Self.makeTimer(queue: queue, onTimer)
        self.timer = timer
        let delay = max(instant - now, .zero)
        timer.schedule(deadline: .now() + .nanoseconds(Int(delay.nanoseconds)), leeway: .milliseconds(1))
    }

    func disarm() {
        timer?.schedule(deadline: .distantFuture)
    }

    /// Releases the timer and stops watching; the runtime must not be used afterwards.
    func close() {
        closed = true
        timer?.cancel()
        timer = nil
        heartbeatTimer?.cancel()
        heartbeatTimer = nil
        watcher?.cancel()
        watcher = nil
        adopted?.cancel()
        adopted = nil
        notifySocket?.cancel()
        notifySocket = nil
        watched?.close()
        reclaim?.cancel()
        reclaim = nil
        startCommand?.cancel()
        startCommand = nil
        unitWatcher?.cancel()
        unitWatcher = nil
        operation?.cancel()
        operation = nil
        for stray in strays {
            stray.cancel()
        }
        strays = []
        domainWatcher?.cancel()
        domainWatcher = nil
    }
}
