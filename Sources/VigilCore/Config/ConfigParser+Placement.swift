extension ConfigParser {
    /// The recovery keys that, on a cluster resource, say how the placer places it (`ClusterPlacementRule`) instead.
    static let clusterPlacementKeys = ["placement", "weights", "reserve_memory", "reserve_cpu"]
    /// Placement keys only a cluster resource has.
    static let clusterPlacementOnlyKeys = ["anti_affinity"]

    /// A cluster resource's placement: `placement` (the five standby strategies, over the live nodes; least-loaded
    /// by default), `weights` (node → share, for `weighted`), `reserve_memory`, `reserve_cpu` and
    /// `anti_affinity` (cluster resources never on the same node). Other targets may not have `anti_affinity`.
    static func parseClusterPlacement(
        _ reader: ConfigTableReader,
        cluster: Bool,
        problems: inout [ConfigProblem]
    ) -> ClusterPlacementRule {
        var rule = ClusterPlacementRule()
        guard cluster else {
            if reader.value("anti_affinity") != nil {
                problems.append(reader.problem("anti_affinity", "only for a cluster resource (cluster = true)"))
            }
            return rule
        }
        if let strategy: PlacementStrategy = reader.choice("placement", what: "placement strategy", problems: &problems)
        {
            rule.strategy = strategy
        }
        if let weights = reader.table("weights", problems: &problems) {
            if rule.strategy != .weighted {
                let message =
                    "weights only apply to placement = \"weighted\" (placement is \"\(rule.strategy.rawValue)\")"
                problems.append(reader.problem("weights", message))
            }
            for node in weights.table.keys.sorted() {
                guard let weight = weights.integer(node, problems: &problems) else { continue }
                if weight < 0 {
                    problems.append(weights.problem(node, "must be 0 or more, found \(weight)"))
                } else {
                    rule.weights[node] = weight
                }
            }
        }
        rule.reservation = ResourceReservation(
            memory: parseMemoryAmount("reserve_memory", reader, problems: &problems),
            cpu: parseCPU(reader, problems: &problems)
        )
        if let names = stringArray("anti_affinity", reader, problems: &problems) {
            let own = reader.value("name")?.string
            for name in names where name == own {
                problems.append(reader.problem("anti_affinity", "a resource cannot be kept apart from itself"))
            }
            rule.antiAffinity = names.filter { $0 != own }
        }
        return rule
    }

    /// Every `anti_affinity` name is another cluster resource.
    static func checkClusterPlacement(
        _ targets: [(index: Int, target: TargetConfig)],
        sourceMap: ConfigSourceMap,
        problems: inout [ConfigProblem]
    ) {
        let resources = Set(targets.filter(\.target.cluster).map(\.target.name))
        for (index, target) in targets where target.cluster {
            for name in target.clusterPlacement.antiAffinity where !resources.contains(name) {
                problems.append(
                    ConfigProblem(
                        line: sourceMap.line(of: ["target", String(index), "anti_affinity"]),
                        key: "target[\(target.name)].anti_affinity",
                        message: "\(ConfigTableReader.quoted(name)) is not a cluster resource of this configuration"
                    )
                )
            }
        }
    }
}
