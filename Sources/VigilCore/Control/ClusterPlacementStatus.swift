/// The placer's side of the cluster as one node sees it (`vigilctl cluster status`): who places, where each
/// resource is assigned, which nodes are drained and which moves are pending.
public struct ClusterPlacementStatus: Codable, Sendable, Equatable {
    /// The elected placer and its fencing token (the placer key's create revision).
    public struct Placer: Codable, Sendable, Equatable {
        public var node: String
        public var token: Int64

        public init(node: String, token: Int64) {
            self.node = node
            self.token = token
        }
    }

    /// One cluster resource: where it runs and where the placer wants it.
    public struct Resource: Codable, Sendable, Equatable {
        public var name: String
        public var owner: String?
        public var fencingToken: Int64?
        /// The node the placer assigned it to.
        public var assigned: String?
        /// `running` (owned where assigned), `moving` (owned elsewhere than assigned: stopping there),
        /// `starting` (assigned, not claimed yet), `unplaced` (no assignment, no owner).
        public var state: String

        public init(name: String, owner: String?, fencingToken: Int64?, assigned: String?) {
            self.name = name
            self.owner = owner
            self.fencingToken = fencingToken
            self.assigned = assigned
            switch (owner, assigned) {
            case (let owner?, let assigned?) where owner != assigned: state = "moving"
            case (_?, _): state = "running"
            case (nil, _?): state = "starting"
            case (nil, nil): state = "unplaced"
            }
        }
    }

    /// A move an operator asked for that the placer has not taken up yet.
    public struct MoveRequest: Codable, Sendable, Equatable {
        public var resource: String
        /// The node asked for; nil for the best one by the resource's strategy.
        public var node: String?

        public init(resource: String, node: String?) {
            self.resource = resource
            self.node = node
        }
    }

    public var placer: Placer?
    /// Each live node's lease (hex), by node name.
    public var leases: [String: String]
    /// Nodes with a drain key, in name order.
    public var drained: [String]
    /// The cluster resources configured here, in configuration order.
    public var resources: [Resource]
    public var moveRequests: [MoveRequest]

    public init(
        placer: Placer?,
        leases: [String: String],
        drained: [String],
        resources: [Resource],
        moveRequests: [MoveRequest]
    ) {
        self.placer = placer
        self.leases = leases
        self.drained = drained
        self.resources = resources
        self.moveRequests = moveRequests
    }

    /// The resources between two owners: stopping at one for another, or assigned and not yet claimed.
    public var pendingMoves: [Resource] {
        resources.filter { $0.state == "moving" || $0.state == "starting" }
    }

    /// The placement part of a view of the cluster.
    public init(view: ClusterView, resources: [String]) {
        self.init(
            placer: view.placer.map { Placer(node: $0.node, token: $0.token) },
            leases: view.leases.mapValues { String($0, radix: 16) },
            drained: view.drained.sorted(),
            resources: resources.map { name in
                let owner = view.owners[name]
                return Resource(
                    name: name,
                    owner: owner?.node,
                    fencingToken: owner?.token,
                    assigned: view.assignments[name]?.node
                )
            },
            moveRequests: view.moves.sorted { $0.key < $1.key }.map {
                MoveRequest(resource: $0.key, node: $0.value.isEmpty ? nil : $0.value)
            }
        )
    }
}
