/// How a failover group's standbys wait (`standby_mode` in the primary's `[[target]]` table).
public enum StandbyMode: String, Sendable, Equatable, Codable, CaseIterable {
    /// Not started until promoted: a failover pays a full start of the standby.
    case cold
    /// Started with the group and run in the standby role (`VIGIL_ROLE=standby`), supervised like any target; a
    /// failover promotes the running instance (`promote`, `promote_signal`) instead of starting one.
    case hot
}
