extension PrometheusText {
    /// Cluster placement as this node sees it: the placer, drained nodes, each live node's figures, each resource's
    /// placement state and the moves pending.
    static func renderPlacement(_ cluster: ClusterStatus, into out: inout PrometheusWriter) {
        guard let placement = cluster.placement else { return }
        out.family("vigil_cluster_placer", .gauge, help: "1 when this node is the elected placer, else 0.")
        out.sample("vigil_cluster_placer", [], placement.placer?.node == cluster.node ? "1" : "0")
        out.family(
            "vigil_cluster_placer_token",
            .gauge,
            help: "The placer's fencing token (its key's create revision); absent while no placer is elected."
        )
        if let placer = placement.placer {
            out.sample("vigil_cluster_placer_token", [("node", placer.node)], UInt64(max(0, placer.token)))
        }
        let drained = Set(placement.drained)
        out.family("vigil_cluster_node_draining", .gauge, help: "1 for a live node that is drained, else 0.")
        for node in cluster.nodes {
            let draining = drained.contains(node.name) || node.figures.draining
            out.sample("vigil_cluster_node_draining", [("node", node.name)], draining ? "1" : "0")
        }
        out.family("vigil_cluster_node_free_memory_bytes", .gauge, help: "Free memory each live node publishes.")
        for node in cluster.nodes {
            out.sample("vigil_cluster_node_free_memory_bytes", [("node", node.name)], node.figures.freeMemory)
        }
        out.family(
            "vigil_cluster_node_etcd_round_trip_seconds",
            .gauge,
            help: "The smoothed round trip of each live node's linearizable reads of etcd, as it publishes it."
        )
        for node in cluster.nodes {
            let seconds = node.figures.etcdRoundTripMilliseconds / 1000
            out.sample("vigil_cluster_node_etcd_round_trip_seconds", [("node", node.name)], seconds)
        }
        out.family(
            "vigil_cluster_resource_state",
            .gauge,
            help: "1 for each cluster resource's placement state (running, moving, starting, unplaced), else 0."
        )
        for resource in placement.resources {
            for state in ["running", "moving", "starting", "unplaced"] {
                let labels = [("target", resource.name), ("state", state)]
                out.sample("vigil_cluster_resource_state", labels, resource.state == state ? "1" : "0")
            }
        }
        out.family(
            "vigil_cluster_pending_moves",
            .gauge,
            help: "Cluster resources between owners now, and move requests not taken up yet."
        )
        out.sample(
            "vigil_cluster_pending_moves",
            [],
            UInt64(placement.pendingMoves.count + placement.moveRequests.count)
        )
    }
}
