/// The `[host]` table: checks on the host as a whole.
///
/// A host check of severity `fault` that is raised is a host fault: an event with its own `MESSAGE_ID`, a part of
/// the `STATUS=` line, and a verdict the failover work acts on.
public struct HostConfig: Sendable, Equatable {
    public var checks: [HealthCheck]

    public init(checks: [HealthCheck] = []) {
        self.checks = checks
    }
}
