import VigilCore

/// The limit on concurrent recoveries (`[daemon] concurrent_recoveries`): a ladder holds a slot from the failure
/// that starts it until it rests; failures beyond the limit wait, queued once, and are granted by priority, then
/// arrival.
extension RecoveryCoordinator {
    /// Whether the service's failure may start its ladder now: always while its ladder is already acting or in
    /// maintenance (nothing new starts), otherwise when the limiter grants a slot. A refusal queues the service,
    /// once, with a `recovery-queued` event.
    func slot(for service: RecoveredService, evidence: Evidence, now: MonotonicInstant) -> Bool {
        guard service.ladder.phase == .watching, !service.ladder.maintenance, !engine.targets.hostMaintenance else {
            return true
        }
        if limiter.request(service.owner, priority: service.config.priority) {
            service.queuedSince = nil
            return true
        }
        guard service.queuedSince == nil else { return false }
        service.queuedSince = now
        let position = limiter.position(of: service.owner) ?? 0
        let running = limiter.running.sorted()
        engine.events.record(
            Event(
                kind: .recoveryQueued,
                target: service.owner,
                message: "\(service.owner): recovery waits (place \(position)): "
                    + "\(running.count) recoveries under way (\(running.joined(separator: ", ")))",
                fields: [
                    "EVIDENCE": evidence.description,
                    "POSITION": String(position),
                    "RUNNING": String(running.count),
                    "PRIORITY": String(service.config.priority),
                ],
                time: now
            )
        )
        return false
    }

    /// Gives the service's recovery slot back once its ladder rests (verified, failed or fenced), and lets the
    /// next waiting services start theirs. Returns whether a waiting service was granted one.
    func releaseSlot(_ service: RecoveredService) -> Bool {
        guard limiter.running.contains(service.owner) else { return false }
        switch service.ladder.phase {
        case .backingOff, .acting, .verifying:
            return false
        case .watching, .failed, .fenced:
            break
        }
        let granted = limiter.finish(service.owner)
        for name in granted {
            services[name]?.queuedSince = nil
        }
        return !granted.isEmpty
    }
}
