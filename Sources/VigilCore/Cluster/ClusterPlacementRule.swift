/// How the elected placer places one cluster resource (the target's `placement`, `weights`, `reserve_memory`,
/// `reserve_cpu` and `anti_affinity` keys; `docs/cluster.md`).
public struct ClusterPlacementRule: Sendable, Equatable {
    /// The strategy over the live nodes, the same five as for standbys. `least-loaded` by default, so resources
    /// spread over the nodes.
    public var strategy: PlacementStrategy
    /// `weighted` shares by node name (default 1 each; 0 is never chosen).
    public var weights: [String: Int]
    /// What a node must have free, beyond what is already placed there, to be given the resource.
    public var reservation: ResourceReservation
    /// Cluster resources this one never shares a node with (either side naming the other is enough).
    public var antiAffinity: [String]
    /// A resource this one is colocated with: it goes wherever that one is placed (e.g. a service address and the
    /// service it fronts), and no strategy is consulted.
    public var follows: String?

    public init(
        strategy: PlacementStrategy = .leastLoaded,
        weights: [String: Int] = [:],
        reservation: ResourceReservation = ResourceReservation(),
        antiAffinity: [String] = [],
        follows: String? = nil
    ) {
        self.strategy = strategy
        self.weights = weights
        self.reservation = reservation
        self.antiAffinity = antiAffinity
        self.follows = follows
    }
}

/// The placer's keys as one read of etcd saw them (part of `ClusterView`).
public struct ClusterPlacerKey: Sendable, Equatable {
    /// The node that won the election.
    public var node: String
    /// Its lease: the key goes with it.
    public var lease: Int64
    /// The key's create revision: the placer's fencing token, compared by every assignment it writes.
    public var token: Int64

    public init(node: String, lease: Int64, token: Int64) {
        self.node = node
        self.lease = lease
        self.token = token
    }
}

/// Where the placer assigned a resource (`{prefix}assign/{resource}`, not under a lease).
public struct ClusterAssignment: Sendable, Equatable {
    public var node: String
    /// The key's mod revision: a claim compares it, so it claims only what is still assigned to it.
    public var revision: Int64

    public init(node: String, revision: Int64) {
        self.node = node
        self.revision = revision
    }
}
