/// Colocation of cluster resources: a resource that follows another (a floating address that `follows` its
/// service) goes to whichever node owns the followed one, once it started there. The whole rule is here, so that a
/// placement that replaces `claimant(for:among:)` carries it over unchanged:
///
/// - a follower is claimed only by the node that holds the followed resource and runs it healthy (`ready`); no
///   other node claims it, whatever the placement says;
/// - a node that holds a follower but no longer holds the followed resource releases the follower (stops it and
///   deletes its owner key while it carries the node's token), so that the followed resource's new owner can claim
///   it at once rather than after this node's lease expires.
extension ClusterOwnership {
    /// Whether this node claims the ownerless `resource` now: for a follower, when this node holds the followed
    /// resource and runs it healthy; for any other resource, when the placement names this node.
    func claims(
        _ resource: String,
        among nodes: [String: ClusterNodeFigures],
        follows: [String: String],
        ready: Set<String>
    ) -> Bool {
        if let followed = follows[resource] {
            return held[followed] != nil && ready.contains(followed)
        }
        return Self.claimant(for: resource, among: nodes) == node
    }

    /// Whether this node must let a follower it holds go: it does not hold the resource the follower follows.
    func mustRelease(_ resource: String, follows: [String: String]) -> Bool {
        guard let followed = follows[resource] else { return false }
        return held[followed] == nil
    }

    /// The followers to claim now, without waiting for the next view: those whose followed resource this node holds
    /// and runs healthy (`ready`), which it neither holds nor claims. A claim refused because the follower's key still
    /// exists (its earlier owner has not released it yet) is tried again at a later view.
    public mutating func claimFollowers(follows: [String: String], ready: Set<String>) -> [ClusterAction] {
        guard lease != nil else { return [] }
        var actions: [ClusterAction] = []
        for (resource, followed) in follows.sorted(by: { $0.key < $1.key })
        where held[resource] == nil && !isClaiming(resource) && held[followed] != nil && ready.contains(followed) {
            actions += startClaim(resource)
        }
        return actions
    }

    /// The resources in the order a view is looked at: followers after the rest, so that a follower of a resource
    /// released in the same view is released with it.
    static func followersLast(_ resources: [String], follows: [String: String]) -> [String] {
        resources.filter { follows[$0] == nil } + resources.filter { follows[$0] != nil }
    }
}
