/// Cluster mode as one node sees it, for `vigilctl status` (absent without `[cluster]`).
public struct ClusterStatus: Codable, Sendable, Equatable {
    /// A live node (its node key exists) and the figures it publishes.
    public struct Node: Codable, Sendable, Equatable {
        public var name: String
        public var figures: ClusterNodeFigures

        public init(name: String, figures: ClusterNodeFigures) {
            self.name = name
            self.figures = figures
        }
    }

    /// A cluster resource and its owner as etcd last said.
    public struct Resource: Codable, Sendable, Equatable {
        public var name: String
        public var owner: String?
        public var fencingToken: Int64?

        public init(name: String, owner: String?, fencingToken: Int64?) {
            self.name = name
            self.owner = owner
            self.fencingToken = fencingToken
        }
    }

    /// This node's name.
    public var node: String
    /// This node's lease (hex) while it holds one.
    public var lease: String?
    public var leaseTTLSeconds: Double
    /// Whether the last read or write of etcd succeeded.
    public var etcdReachable: Bool
    /// The live nodes of the last read, in name order.
    public var nodes: [Node]
    /// The cluster resources configured here, in configuration order.
    public var resources: [Resource]
    /// The placer, the assignments, drains and moves (`vigilctl cluster status`).
    public var placement: ClusterPlacementStatus?

    public init(
        node: String,
        lease: String?,
        leaseTTLSeconds: Double,
        etcdReachable: Bool,
        nodes: [Node],
        resources: [Resource]
    ) {
        self.node = node
        self.lease = lease
        self.leaseTTLSeconds = leaseTTLSeconds
        self.etcdReachable = etcdReachable
        self.nodes = nodes
        self.resources = resources
    }

    /// `cluster: node n1 (lease 694d…, TTL 2s), nodes n1 n2 n3; db on n2 (token 42), web unowned`.
    public var line: String {
        let lease = self.lease.map { "lease \($0)" } ?? "no lease"
        let reach = etcdReachable ? "" : ", etcd unreachable"
        let nodes = self.nodes.isEmpty ? "no live node seen" : "nodes " + self.nodes.map(\.name).joined(separator: " ")
        let resources = self.resources.map { resource in
            guard let owner = resource.owner else { return "\(resource.name) unowned" }
            return "\(resource.name) on \(owner)" + (resource.fencingToken.map { " (token \($0))" } ?? "")
        }
        let held = resources.isEmpty ? "" : "; " + resources.joined(separator: ", ")
        return "cluster: node \(node) (\(lease), TTL \(Int(leaseTTLSeconds))s\(reach)), \(nodes)\(held)"
    }
}
