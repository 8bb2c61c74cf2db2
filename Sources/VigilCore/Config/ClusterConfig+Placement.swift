extension ClusterConfig {
    /// The placer key: the elected placer's node name, under its lease; its create revision is the placer's
    /// fencing token.
    public var placerKey: String { prefix + "placer" }

    /// Where the placer assigned a resource (not under a lease: it outlives the placer).
    public func assignmentKey(_ resource: String) -> String {
        assignmentsPrefix + resource
    }

    public var assignmentsPrefix: String { prefix + "assign/" }

    /// A node an operator drained (not under a lease: it survives a restart of vigild).
    public func drainKey(_ node: String) -> String {
        drainsPrefix + node
    }

    public var drainsPrefix: String { prefix + "drain/" }

    /// A move an operator asked for: the resource's key, whose value is the node to move it to ("" for the best).
    public func moveKey(_ resource: String) -> String {
        movesPrefix + resource
    }

    public var movesPrefix: String { prefix + "move/" }

    /// Written by a resource's owner, under its lease, once the instance runs: `node:token`. The placer starts the
    /// next planned move only once the last one runs at its new node.
    public func runningKey(_ resource: String) -> String {
        runningPrefix + resource
    }

    public var runningPrefix: String { prefix + "running/" }
}
