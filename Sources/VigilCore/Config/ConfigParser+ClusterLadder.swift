extension ConfigParser {
    /// What is wrong with a cluster resource's recovery settings, if anything: a ladder runs on the node that owns
    /// the resource, and its end (or a `failover` step) moves the resource to another node (`RecoveryLadder+Cluster`).
    /// So no standbys (the other nodes take their place), no `fence` (it would leave the resource down where it is
    /// rather than move it), and nothing after `failover` (the node has given the resource up by then).
    ///
    /// - Parameters:
    ///   - target: a target with `cluster = true`.
    ///   - targets: every target, to find one that lists this resource as its standby.
    /// - Returns: one message per problem.
    static func clusterRecoveryProblems(_ target: TargetConfig, among targets: [TargetConfig]) -> [String] {
        var problems: [String] = []
        if let recovery = target.recovery {
            if !recovery.standbys.isEmpty {
                problems.append(
                    "a cluster resource has no standbys: when its recovery gives up on a node (a \"failover\" step, "
                        + "or the end of its ladder) it moves to another node; remove standbys"
                )
            }
            if recovery.ladder.contains(.fence) {
                problems.append(
                    "\"fence\" would leave a cluster resource down on the node that owns it; a cluster resource "
                        + "that a node gives up moves to another node instead: end the ladder with \"failover\""
                )
            }
            if let move = recovery.ladder.firstIndex(of: .failover), move != recovery.ladder.count - 1 {
                problems.append(
                    "\"failover\" must be the last step of a cluster resource's ladder: it moves the resource to "
                        + "another node, so no step after it would run on this one"
                )
            }
        }
        for other in targets where other.recovery?.standbys.contains(target.name) == true {
            problems.append(
                "a cluster resource cannot stand by for \(other.name): it runs on the node that owns it in etcd, "
                    + "which a failover on this host does not decide"
            )
        }
        return problems
    }
}
