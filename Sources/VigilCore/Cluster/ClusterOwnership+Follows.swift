/// Colocation of cluster resources: a resource that follows another (a floating address that `follows` its
/// service) goes to whichever node owns the followed one, once it started there. The placer assigns a follower
/// where its leader is (`ClusterPlacement`); the rest of the rule is here:
///
/// - a follower is claimed only by the node it is assigned to, once that node holds the followed resource and runs
///   it healthy (`ready`);
/// - a node that holds a follower but no longer holds the followed resource releases the follower (stops it and
///   deletes its owner key while it carries the node's token), so that the followed resource's new owner can claim
///   it at once rather than after this node's lease expires.
extension ClusterOwnership {
    /// Whether this node claims the ownerless `resource` now: when the placer assigned it here and, for a follower,
    /// this node holds the followed resource and runs it healthy.
    func claims(
        _ resource: String,
        assignedTo assigned: String?,
        follows: [String: String],
        ready: Set<String>
    ) -> Bool {
        guard assigned == node else { return false }
        if let followed = follows[resource] {
            return held[followed] != nil && ready.contains(followed)
        }
        return true
    }

    /// Whether this node must let a follower it holds go: it does not hold the resource the follower follows.
    func mustRelease(_ resource: String, follows: [String: String]) -> Bool {
        guard let followed = follows[resource] else { return false }
        return held[followed] == nil
    }

    /// The followers to claim now, without waiting for the next view: those assigned here (`assignedHere`, from the
    /// last view) whose followed resource this node holds and runs healthy (`ready`), which it neither holds nor claims. A claim refused because the follower's key still
    /// exists (its earlier owner has not released it yet) is tried again at a later view.
    public mutating func claimFollowers(
        follows: [String: String],
        ready: Set<String>,
        assignedHere: Set<String>
    ) -> [ClusterAction] {
        guard lease != nil else { return [] }
        var actions: [ClusterAction] = []
        for (resource, followed) in follows.sorted(by: { $0.key < $1.key })
        where held[resource] == nil && !isClaiming(resource) && assignedHere.contains(resource)
            && held[followed] != nil && ready.contains(followed)
        {
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
