/// Which target serves and which wait: recorded when a failover completes, persisted, and read back after a
/// restart of vigild so it knows which one to keep running.
public struct FailoverRoles: Sendable, Equatable, Codable {
    public var active: String
    /// The others, in configuration order; the fenced former primary is among them.
    public var standbys: [String]

    public init(active: String, standbys: [String]) {
        self.active = active
        self.standbys = standbys
    }
}

/// Where a failover is. Persisted on every transition; `FailoverStateMachine.restored` resumes from it.
public enum FailoverPhase: String, Sendable, Equatable, Codable {
    case idle
    /// The primary is being stopped or destroyed.
    case fencing
    /// Asking whether the primary is really dead.
    case confirmingDead = "confirming-dead"
    /// The primary is confirmed dead; asking whether the chosen standby is already active (a promotion that
    /// completed before vigild restarted, or one an operator did) before promoting it.
    case checkingStandby = "checking-standby"
    case promoting
    /// Running the promote hooks, in order.
    case runningHooks = "running-hooks"
    case completed
    case aborted
}

/// The persisted state of one failover.
public struct FailoverProgress: Sendable, Equatable, Codable {
    public var phase: FailoverPhase
    /// The primary being replaced.
    public var primary: String
    /// The standby chosen to take over.
    public var standby: String?
    /// Set once the primary was seen dead after fencing; a standby is promoted only after this.
    public var primaryConfirmedDead: Bool
    /// The next promote hook to run.
    public var hookIndex: Int
    /// Numbers the operations asked for, so late answers to earlier ones are ignored.
    public var sequence: Int
    /// Standbys whose promotion failed in this failover; they are not chosen again.
    public var failedStandbys: [String]
    /// Why the failover started.
    public var trigger: String
    /// Why it was aborted, when it was.
    public var abortReason: String?
    /// A hot standby's promotion (its `promote` command or signal) was issued to the chosen standby's running
    /// instance. Recorded before it is issued: a failover resumed after vigild restarted adopts that instance as
    /// promoted instead of issuing the promotion again. `nil` in state files written before hot standby.
    public var promotionIssued: Bool?

    public init(primary: String, trigger: String) {
        self.phase = .idle
        self.primary = primary
        self.standby = nil
        self.primaryConfirmedDead = false
        self.hookIndex = 0
        self.sequence = 0
        self.failedStandbys = []
        self.trigger = trigger
        self.abortReason = nil
    }

    /// Whether the failover is under way (neither not started nor over).
    public var isUnderWay: Bool {
        switch phase {
        case .idle, .completed, .aborted: false
        default: true
        }
    }
}

/// What a target's actuator says about it when asked for its status.
public enum TargetActivity: Sendable, Equatable {
    /// Running and serving (for a standby: already promoted).
    case active
    /// Not running (for a standby: not promoted).
    case inactive
    /// The actuator could not tell.
    case unknown(reason: String)
}

/// What a `FailoverStateMachine` asks its caller to do.
public enum FailoverAction: Sendable, Equatable {
    /// Stop or destroy `target` through its actuator; report `outcome(_:sequence:now:)`.
    case fence(target: String, sequence: Int)
    /// Ask `target`'s actuator for its status; report `status(_:sequence:now:)`.
    case checkStatus(target: String, sequence: Int)
    /// Start or promote `target` through its actuator; report `outcome(_:sequence:now:)`.
    case promote(target: String, sequence: Int)
    /// Run the promote hook `name` (with `VIGIL_STANDBY`, `VIGIL_PRIMARY` in its environment); report
    /// `outcome(_:sequence:now:)`.
    case runHook(name: String, primary: String, standby: String, sequence: Int)
    /// Record this event.
    case emit(Event)
    /// The failover is over: apply and persist the roles (completed), or report the failure to the ladder.
    case finished(FailoverResult)
}

/// How a failover ended.
public enum FailoverResult: Sendable, Equatable {
    case completed(FailoverRoles)
    case aborted(reason: String)
}
