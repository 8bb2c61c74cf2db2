import Dispatch
import VigilCore
import VigilLinux

/// Everything the engine holds for one target. Confined to the engine queue, like the engine itself.
final class TargetRuntime {
    var config: TargetConfig
    var launch: LaunchSpec
    var machine: RestartStateMachine
    /// The watcher of the running process, if any. Holding it keeps its DispatchSource alive.
    var watcher: PidfdWatcher?
    /// When vigild last sent `SIGKILL` to the process group itself: an upper bound of the exit time when the
    /// kernel's exit timestamps are not available.
    var killSentAt: MonotonicInstant?
    /// What to do once the target is down: nothing, forget it, or start it again with new settings.
    var whenDown: WhenDown = .nothing
    private let timer: any DispatchSourceTimer

    enum WhenDown {
        case nothing
        case remove
        case replace(TargetConfig, LaunchSpec)
    }

    /// - Parameter onTimer: called on `queue` when the target's timer fires.
    init(
        config: TargetConfig,
        launch: LaunchSpec,
        seed: UInt64,
        queue: DispatchQueue,
        onTimer: @escaping @Sendable () -> Void
    ) {
        self.config = config
        self.launch = launch
        self.machine = RestartStateMachine(target: config, seed: seed)
        timer = DispatchSource.makeTimerSource(flags: .strict, queue: queue)
        timer.setEventHandler { @Sendable in onTimer() }
        timer.schedule(deadline: .distantFuture)
        timer.activate()
    }

    var name: String { config.name }

    /// Arms the one timer for `instant` on the monotonic clock, replacing any earlier arming.
    func arm(at instant: MonotonicInstant, now: MonotonicInstant) {
        let delay = max(instant - now, .zero)
        timer.schedule(deadline: .now() + .nanoseconds(Int(delay.nanoseconds)), leeway: .milliseconds(1))
    }

    func disarm() {
        timer.schedule(deadline: .distantFuture)
    }

    /// Releases the timer and stops watching; the runtime must not be used afterwards.
    func close() {
        timer.cancel()
        watcher?.cancel()
        watcher = nil
    }
}
