/// The typed health verdict of a target, derived in one place (`Health.judge`) and used by the recovery ladder,
/// `vigilctl status`, metrics and events.
public enum Health: Sendable, Equatable, Hashable {
    case healthy
    /// Something is off but nothing acts on it yet (a late heartbeat, a raised `warn` check).
    case suspect(Evidence)
    /// The target is down or judged failed.
    case failed(Evidence)

    /// The evidence of a suspect or failed verdict.
    public var evidence: Evidence? {
        switch self {
        case .healthy: nil
        case .suspect(let evidence), .failed(let evidence): evidence
        }
    }

    /// The word `vigilctl status` and the metrics use.
    public var word: HealthWord {
        switch self {
        case .healthy: .healthy
        case .suspect: .suspect
        case .failed: .failed
        }
    }
}

/// A health verdict as one word, for the control protocol and metrics: the verdict's case, or `unknown` for a target
/// nothing judges at the moment (stopped, waiting to be promoted, starting for the first time).
public enum HealthWord: String, Sendable, Equatable, Codable, CaseIterable {
    case healthy, suspect, failed, unknown
}

/// A member's role in a service with standbys, as `vigilctl status` shows it: the instance serving, or one waiting.
public enum ServiceRole: String, Sendable, Equatable, Codable, CaseIterable {
    case active, standby
}
