/// How a running member of a hot-standby group changes role, and how it says which role it is in (`promote`,
/// `promote_signal`, `demote` and `status` in its `[[target]]` table).
///
/// ```toml
/// promote = ["/usr/local/sbin/db-promote", "--now"]   # an exec hook, run with VIGIL_ROLE=primary, VIGIL_PID…
/// promote_signal = "SIGUSR1"                           # or: a signal to the running instance (not both)
/// demote = ["/usr/local/sbin/db-follow"]               # run once a former primary runs again as a standby
/// status = ["/usr/local/sbin/db-role"]                 # prints the instance's role: primary or standby
/// ```
public struct RoleChange: Sendable, Equatable {
    /// How a running standby is made the primary.
    public enum Promotion: Sendable, Equatable {
        /// Run this command (argv, absolute program path); exit 0 is success.
        case exec([String])
        /// Send this signal to the running instance.
        case signal(Signal)
    }

    public var promote: Promotion?
    /// Run after a former primary rejoins as a standby (its instance started with `VIGIL_ROLE=standby`).
    public var demote: [String]?
    /// Asked for the instance's role after a promotion (until it answers `primary`) and after a rejoin (until it
    /// answers `standby`): its output's last non-empty line, with exit status 0 (`RoleReport.role(inStatusOutput:)`).
    public var status: [String]?

    public init(promote: Promotion? = nil, demote: [String]? = nil, status: [String]? = nil) {
        self.promote = promote
        self.demote = demote
        self.status = status
    }

    /// Whether the target says nothing about role changes.
    public var isEmpty: Bool {
        promote == nil && demote == nil && status == nil
    }
}
