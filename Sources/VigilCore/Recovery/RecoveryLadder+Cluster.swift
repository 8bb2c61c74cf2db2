/// A cluster resource's ladder (`cluster = true` with `recovery`): its steps run on the node that owns the resource,
/// and when they are used up the node gives the resource up so that another node runs it.
///
/// - The ladder's end is the node's: an exhausted ladder (`failed`) means this node gave the resource up. The daemon
///   then releases the owner key (guarded by the fencing token) and lists the resource as `refused` in its node key,
///   so another node claims it with a higher token.
/// - A `failover` step means "move": no standby takes over (a cluster resource has none), the node gives the
///   resource up at once (`handOver`), which ends the ladder here like an exhausted one. Steps after it would never
///   run, so the configuration refuses them.
/// - Losing the ownership for a reason that is not the resource's fault (the owner key gone, this node's lease
///   lost) is not a failure: the ladder forgets its run (`abandon`), so it neither starts the resource on a node
///   that no longer owns it nor counts the stop against it.
extension RecoveryLadder {
    /// Whether this node gave the target up: its ladder is exhausted or handed it over (`failed`), or fenced it.
    public var hasGivenUp: Bool {
        switch phase {
        case .failed, .fenced: true
        default: false
        }
    }

    /// A cluster resource's `failover` step (operation `sequence`), asked for by `perform`: the resource is handed
    /// to another node. The ladder ends on this node (`failed`, so `hasGivenUp`) until an operator resets it.
    /// - Returns: the event saying so, and the timer disarmed; nothing when `sequence` is not the step under way.
    public mutating func handOver(sequence: Int, now: MonotonicInstant) -> [RecoveryAction] {
        guard case .acting(let step, let current, _) = phase, current == sequence, !attempts.isEmpty else { return [] }
        attempts[attempts.count - 1].result = .handedOver
        position = step + 1
        phase = .failed(since: now)
        let tried = attempts.dropLast().map(\.summary).joined(separator: "; ")
        let event = Event(
            kind: .recoveryExhausted,
            target: target,
            message: "\(target): recovery step \(place(step)) (failover): this node gives the cluster resource up "
                + "for another node to run (\(lastTriggerText))" + (tried.isEmpty ? "" : "; before: \(tried)"),
            fields: [
                "EVIDENCE": lastTriggerText, "LADDER": ladderText,
                "TRIED": attempts.map(\.summary).joined(separator: "; "), "STEPS_TRIED": String(attempts.count),
            ],
            time: now
        )
        return [.emit(event), .disarmTimer]
    }

    /// The target stopped here for a reason that is not its own failure (a cluster resource this node no longer
    /// owns): the step under way is cancelled and the ladder starts afresh at its first step, without acting now
    /// (the last verdict is forgotten). A ladder that gave up (`hasGivenUp`) is left so: the node still refuses the
    /// resource until an operator resets it.
    public mutating func abandon(now: MonotonicInstant) -> [RecoveryAction] {
        guard !hasGivenUp else { return [] }
        var actions: [RecoveryAction] = []
        if case .acting(_, let sequence, _) = phase {
            actions.append(.cancel(sequence: sequence))
        }
        let busy = phase != .watching || position > 0 || !attempts.isEmpty
        phase = .watching
        position = 0
        attempts = []
        verdict = nil
        healthySince = nil
        verifiedAt = nil
        return busy ? actions + [.disarmTimer] : actions
    }

    /// An operator accepts the target on this node again (`vigilctl reset-failed` of a cluster resource the node gave
    /// up): the ladder starts afresh at its first step with its restart burst limit cleared, without acting now: the
    /// resource starts here only if this node claims it again.
    public mutating func acceptAgain(now: MonotonicInstant) -> [RecoveryAction] {
        var actions: [RecoveryAction] = []
        if case .acting(_, let sequence, _) = phase {
            actions.append(.cancel(sequence: sequence))
        }
        phase = .watching
        position = 0
        attempts = []
        restartTimes = []
        verdict = nil
        healthySince = nil
        verifiedAt = nil
        return actions + [.disarmTimer]
    }

    private var lastTriggerText: String {
        attempts.last?.trigger ?? "unknown failure"
    }
}
