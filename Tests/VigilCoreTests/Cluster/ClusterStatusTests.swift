import Testing
import VigilCore

/// The cluster line of `vigilctl status`.
@Suite struct ClusterStatusTests {
    @Test func theStatusLineNamesTheNodeItsLeaseTheLiveNodesAndWhereEachResourceRuns() {
        let status = ClusterStatus(
            node: "n1",
            lease: "694d",
            leaseTTLSeconds: 2,
            etcdReachable: true,
            nodes: ["n1", "n2"].map { ClusterStatus.Node(name: $0, figures: ClusterNodeFigures()) },
            resources: [
                ClusterStatus.Resource(name: "db", owner: "n2", fencingToken: 42),
                ClusterStatus.Resource(name: "web", owner: nil, fencingToken: nil),
            ]
        )
        #expect(status.line == "cluster: node n1 (lease 694d, TTL 2s), nodes n1 n2; db on n2 (token 42), web unowned")
        var cut = status
        cut.lease = nil
        cut.etcdReachable = false
        cut.nodes = []
        cut.resources = []
        #expect(cut.line == "cluster: node n1 (no lease, TTL 2s, etcd unreachable), no live node seen")
    }
}
