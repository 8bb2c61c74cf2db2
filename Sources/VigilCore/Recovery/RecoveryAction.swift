/// What a `RecoveryLadder` asks its caller to do. The ladder never does anything itself.
public enum RecoveryAction: Sendable, Equatable {
    /// Carry out `step` through the target's actuator within `timeout` (a `failover` step through a
    /// `FailoverStateMachine`), then report `RecoveryLadder.outcome(_:sequence:now:)` with this `sequence`.
    case perform(RecoveryStep, sequence: Int, timeout: Duration)
    /// Cancel operation `sequence` (its time is up, or maintenance began); an outcome that still comes is ignored.
    case cancel(sequence: Int)
    /// Reset the target's detectors (heartbeat judge, exit watch) before judging it afresh: the step's action
    /// succeeded and verification begins, so earlier convictions must not count against it.
    case resetDetectors
    /// (Re)arm the ladder's one timer; report `timerFired(now:)` when it goes off.
    case armTimer(at: MonotonicInstant)
    case disarmTimer
    /// Record this event.
    case emit(Event)
}

/// How an actuator operation ended.
public enum RecoveryOutcome: Sendable, Equatable {
    case succeeded
    case failed(reason: String)
    /// The actuator's own time limit passed.
    case timedOut

    /// What an actuator's outcome means for the step that asked for it; a failure's reason is the outcome's text,
    /// after `operation` when one is named.
    public init(_ outcome: ActuatorOutcome, of operation: String? = nil) {
        switch outcome {
        case .succeeded: self = .succeeded
        case .timedOut: self = .timedOut
        default: self = .failed(reason: operation.map { "\($0): \(outcome)" } ?? "\(outcome)")
        }
    }
}

/// Where a target's recovery ladder is.
public enum RecoveryPhase: Sendable, Equatable {
    /// No recovery under way: watching verdicts (after a verified step, until `resetAfter`, the ladder stays at its
    /// next step, so a relapse escalates).
    case watching
    /// Step `step` (index into the ladder) was asked for as operation `sequence`; its outcome is awaited until
    /// `deadline`.
    case acting(step: Int, sequence: Int, deadline: MonotonicInstant)
    /// `restart` step `step`, operation `sequence`, waits out the target's restart backoff (`restart.backoff`)
    /// until `until`, then is performed.
    case backingOff(step: Int, sequence: Int, until: MonotonicInstant)
    /// Step `step` succeeded at `since`; the target must show itself healthy before `until`.
    case verifying(step: Int, since: MonotonicInstant, until: MonotonicInstant)
    /// Every step was tried and none held: no more recovery until an operator resets the target.
    case failed(since: MonotonicInstant)
    /// The `fence` step isolated the target; it stays down until an operator resets it.
    case fenced(since: MonotonicInstant)

    /// One word for status lines and the state file.
    public var word: String {
        switch self {
        case .watching: "watching"
        case .backingOff: "backing-off"
        case .acting: "acting"
        case .verifying: "verifying"
        case .failed: "failed"
        case .fenced: "fenced"
        }
    }
}
