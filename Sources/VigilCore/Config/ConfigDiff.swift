/// What a reload changes: which targets start, stop, restart with new settings, take new settings in place, or are
/// left alone.
///
/// The rule for a target in both configurations: whatever its instance runs with, or how vigild finds and drives it,
/// needs a restart to take effect; the rest is vigild's policy about it and is applied to the running instance in
/// place (same PID):
///
/// - **restart**: `kind`, `exec`/`start`, `env`, `cwd`, `user`, `group`, `cgroup`, `machine`, `unit`, `domain`,
///   `actuator`, `pid_file`, `notify_socket`, `stop_signal` (the actuator carries it), and a heartbeat table added,
///   removed, or given another `key_file`;
/// - **in place**: `restart` (mode, backoff, burst, within, stable_after, start_grace), `checks`, the heartbeat
///   detector and its thresholds, the recovery settings (`recovery`, `level`, windows, standbys, hooks, priority,
///   reservations), `start_timeout`, `stop_timeout`, and the role changes (`promote`, `promote_signal`, `demote`).
public struct ConfigDiff: Sendable, Equatable {
    /// In the new configuration only: start them.
    public var added: [String]
    /// In the old configuration only: stop them.
    public var removed: [String]
    /// In both, with a different instance (see the rule above): stop, then start with the new settings.
    public var changed: [String]
    /// In both, differing only in policy: the new settings are applied to the running instance, which is kept.
    public var changedInPlace: [String]
    /// In both, the same: not touched (same process before and after).
    public var unchanged: [String]

    /// Compares two configurations target by target; names keep the order of the file they come from.
    public init(old: VigilConfig, new: VigilConfig) {
        let oldByName = Dictionary(old.targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newNames = Set(new.targets.map(\.name))
        added = []
        changed = []
        changedInPlace = []
        unchanged = []
        for target in new.targets {
            switch oldByName[target.name] {
            case nil: added.append(target.name)
            case let previous? where previous == target: unchanged.append(target.name)
            case let previous? where Self.appliesInPlace(old: previous, new: target): changedInPlace.append(target.name)
            default: changed.append(target.name)
            }
        }
        removed = old.targets.map(\.name).filter { !newNames.contains($0) }
    }

    /// Whether `new` differs from `old` only in what can be applied to a running instance (the rule above).
    public static func appliesInPlace(old: TargetConfig, new: TargetConfig) -> Bool {
        var policyApplied = old
        policyApplied.restart = new.restart
        policyApplied.checks = new.checks
        policyApplied.recovery = new.recovery
        policyApplied.startTimeout = new.startTimeout
        policyApplied.stopTimeout = new.stopTimeout
        policyApplied.roles = new.roles
        if let before = old.heartbeat, let after = new.heartbeat, before.keyFile == after.keyFile {
            policyApplied.heartbeat = after
        }
        return policyApplied == new
    }

    /// `1 added, 1 removed, 2 changed, 1 changed in place, 3 unchanged`.
    public var summary: String {
        "\(added.count) added, \(removed.count) removed, \(changed.count) changed, "
            + "\(changedInPlace.count) changed in place, \(unchanged.count) unchanged"
    }
}
