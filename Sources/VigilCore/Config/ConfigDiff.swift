/// What a reload changes: which targets start, stop, restart with new settings, or are left alone.
public struct ConfigDiff: Sendable, Equatable {
    /// In the new configuration only: start them.
    public var added: [String]
    /// In the old configuration only: stop them.
    public var removed: [String]
    /// In both, with different settings: stop, then start with the new ones.
    public var changed: [String]
    /// In both, the same: not touched (same process before and after).
    public var unchanged: [String]

    /// Compares two configurations target by target; names keep the order of the file they come from.
    public init(old: VigilConfig, new: VigilConfig) {
        let oldByName = Dictionary(old.targets.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let newNames = Set(new.targets.map(\.name))
        added = []
        changed = []
        unchanged = []
        for target in new.targets {
            switch oldByName[target.name] {
            case nil: added.append(target.name)
            case let previous? where previous == target: unchanged.append(target.name)
            default: changed.append(target.name)
            }
        }
        removed = old.targets.map(\.name).filter { !newNames.contains($0) }
    }

    /// `+1 added, -1 removed, ~2 changed, 3 unchanged`.
    public var summary: String {
        "\(added.count) added, \(removed.count) removed, \(changed.count) changed, \(unchanged.count) unchanged"
    }
}
