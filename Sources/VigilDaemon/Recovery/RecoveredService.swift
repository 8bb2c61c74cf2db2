import VigilCore
import VigilLinux

/// One recovered service: a target with a `recovery` ladder, and its standbys if it has any. Confined to the engine
/// queue, like the engine.
///
/// The ladder takes the verdicts of the service's active member (the primary until a failover moves the role) and
/// answers steps; the coordinator carries them out on the members' supervisors and reports outcomes back, as
/// operations it is waiting on (`pending`) complete.
final class RecoveredService {
    /// The primary as configured: the target that lists the standbys, and the service's name.
    let owner: String
    let config: RecoveryConfig
    var ladder: RecoveryLadder
    /// Fences the primary and promotes a standby; `nil` without standbys.
    var failover: FailoverStateMachine?
    /// Who is active and who stands by.
    var roles: FailoverRoles
    /// The ladder operation a failover under way belongs to (`nil`: asked for by an operator).
    var failoverLadderSequence: Int?
    /// Operations the coordinator is waiting on, by target.
    var pending: [String: PendingOperation] = [:]
    /// A hook under way (run by `HookRun`: its own process group, output captured, killed on cancel), with the
    /// operation it belongs to and the number that tells its result from a cancelled one's.
    var hook: (run: ActuatorCancellation, id: Int, operation: PendingOperation)?
    /// Numbers the hooks, so the result of one that was cancelled is ignored.
    var hookCount = 0
    /// `demote` commands under way, by target (apart from `hook`: a ladder step must not cancel them).
    var demotes: [String: (run: ActuatorCancellation, id: Int)] = [:]
    /// `status` commands under way, by target: asked while a role report is awaited of the target.
    var statusRuns: [String: (run: ActuatorCancellation, id: Int)] = [:]
    /// Whether the active member was last reported healthy to the ladder.
    var reportedHealthy = false
    /// Since when the service's failure waits for a recovery slot (`concurrent_recoveries`); `nil` when it does
    /// not wait.
    var queuedSince: MonotonicInstant?
    let timer: LazyTimer

    /// What the coordinator waits for to report an outcome.
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
        /// A hot standby's promotion: its `promote` command or signal, issued to its running instance.
        case failoverRoleChange(sequence: Int)
        /// A promoted hot standby that can report its role: waiting for it to report `primary`.
        case failoverRoleReport(sequence: Int)
        /// A former primary started again as a hot standby: its `demote` command runs once it is running.
        case rejoin
        /// A former primary that rejoined and can report its role: waiting for it to report `standby`.
        case rejoinReport(round: Int)

        var ladderSequence: Int? {
            switch self {
            case .ladderStart(let sequence), .ladderStop(let sequence, _), .ladderHook(let sequence): sequence
            default: nil
            }
        }
    }

    init(owner: String, config: RecoveryConfig, engine: Engine) {
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
        self.timer = engine.makeTimer { .serviceTimer(owner: owner) }
    }

    /// Every target of the service: the primary, then the standbys.
    var members: [String] { [owner] + config.standbys }

    func close() {
        timer.close()
        hook?.run.cancel()
        hook = nil
        for run in demotes.values.map(\.run) + statusRuns.values.map(\.run) {
            run.cancel()
        }
        demotes = [:]
        statusRuns = [:]
    }
}
