import Dispatch
import VigilCore
import VigilLinux

/// One recovered service: a target with a `recovery` ladder, and its standbys if it has any. Confined to the engine
/// queue, like the engine.
///
/// The ladder takes the verdicts of the service's active member (the primary until a failover moves the role) and
/// answers steps; the engine carries them out on the members' state machines and reports outcomes back, as
/// operations it is waiting on (`pending`) complete.
final class ServiceRuntime {
    /// The primary as configured: the target that lists the standbys, and the service's name.
    let owner: String
    var config: RecoveryConfig
    var ladder: RecoveryLadder
    /// Fences the primary and promotes a standby; `nil` without standbys.
    var failover: FailoverStateMachine?
    /// Who is active and who stands by.
    var roles: FailoverRoles
    /// The ladder operation a failover under way belongs to (`nil`: asked for by an operator).
    var failoverLadderSequence: Int?
    /// Operations the engine is waiting on, by target.
    var pending: [String: PendingOperation] = [:]
    /// A hook under way (run by `HookRun`: its own process group, output captured, killed on cancel), with the
    /// operation it belongs to and the number that tells its result from a cancelled one's.
    var hook: (run: ActuatorCancellation, id: Int, operation: PendingOperation)?
    /// Numbers the hooks, so the result of one that was cancelled is ignored.
    var hookCount = 0
    /// Whether the active member was last reported healthy to the ladder.
    var reportedHealthy = false
    /// Since when the service's failure waits for a recovery slot (`concurrent_recoveries`); `nil` when it does
    /// not wait.
    var queuedSince: MonotonicInstant?
    /// Made on first arming (most services never need it).
    private var timer: (any DispatchSourceTimer)?
    private let queue: DispatchQueue
    private let onTimer: @Sendable () -> Void
    /// Set by `close()`: a closed runtime makes no timer any more.
    private var closed = false

    /// What the engine waits for to report an outcome.
    enum PendingOperation: Equatable {
        /// The ladder's `restart`: the member is started (or found dead to start).
        case ladderStart(sequence: Int)
        /// The ladder's `fence`, or a stop before a restart: the member is down.
        case ladderStop(sequence: Int, thenStart: Bool)
        /// The ladder's `exec:NAME` hook.
        case ladderHook(sequence: Int)
        /// The failover's fence: the member is down.
        case failoverFence(sequence: Int)
        /// The failover's promotion: the member has started.
        case failoverPromote(sequence: Int)
        /// A promote hook.
        case failoverHook(sequence: Int)

        var ladderSequence: Int? {
            switch self {
            case .ladderStart(let sequence), .ladderStop(let sequence, _), .ladderHook(let sequence): sequence
            default: nil
            }
        }
    }

    init(owner: String, config: RecoveryConfig, queue: DispatchQueue, onTimer: @escaping @Sendable () -> Void) {
        self.owner = owner
        self.config = config
        self.ladder = RecoveryLadder(target: owner, config: config)
        self.roles = FailoverRoles(active: owner, standbys: config.standbys)
        if !config.standbys.isEmpty {
            failover = FailoverStateMachine(
                service: owner,
                roles: roles,
                placement: StandbyPlacement(
                    strategy: config.placement,
                    standbys: [owner] + config.standbys,
                    weights: config.weights
                ),
                hooks: config.promoteHooks
            )
        }
        self.queue = queue
        self.onTimer = onTimer
    }

    /// Every target of the service: the primary, then the standbys.
    var members: [String] { [owner] + config.standbys }

    func arm(at instant: MonotonicInstant, now: MonotonicInstant) {
        guard !closed else { return }
        let timer: any DispatchSourceTimer
        if let existing = self.timer {
            timer = existing
        } else {
            timer = DispatchSource.makeTimerSource(flags: .strict, queue: queue)
            let onTimer = self.onTimer
            timer.setEventHandler { @Sendable in onTimer() }
            // Never activated without a deadline: an unscheduled timer source may fire at once.
            timer.schedule(deadline: .distantFuture)
            timer.activate()
            self.timer = timer
        }
        let delay = max(instant - now, .zero)
        timer.schedule(deadline: .now() + .nanoseconds(Int(delay.nanoseconds)), leeway: .milliseconds(1))
    }

    func disarm() {
        timer?.schedule(deadline: .distantFuture)
    }

    func close() {
        closed = true
        timer?.cancel()
        timer = nil
        hook?.run.cancel()
        hook = nil
    }
}
