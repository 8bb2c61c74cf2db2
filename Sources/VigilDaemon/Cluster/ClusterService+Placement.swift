import VigilCluster
import VigilCore
import VigilLinux

extension ClusterService {
    /// Deletes the owner keys waiting for their resource's instance here to be down, each only while it still
    /// carries this node's token: the next owner can claim the resource only then, so it never runs twice.
    func releaseStopped() {
        for (resource, token) in pendingReleasesReady() {
            let client = client
            let key = config.ownerKey(resource)
            Task { _ = try? await client.delete(key, ifCreatedAt: token) }
        }
    }

    /// The placer's keys in a list of the cluster's keys: the placer, the assignments, the drains and the moves.
    static func placementKey(_ kv: EtcdKeyValue, into view: inout ClusterView, config: ClusterConfig) {
        if kv.key == config.placerKey, kv.createRevision > 0 {
            view.placer = ClusterPlacerKey(node: kv.value, lease: kv.lease, token: kv.createRevision)
        } else if kv.key.hasPrefix(config.assignmentsPrefix) {
            let resource = String(kv.key.dropFirst(config.assignmentsPrefix.count))
            view.assignments[resource] = ClusterAssignment(node: kv.value, revision: kv.modRevision)
        } else if kv.key.hasPrefix(config.drainsPrefix) {
            view.drained.insert(String(kv.key.dropFirst(config.drainsPrefix.count)))
        } else if kv.key.hasPrefix(config.movesPrefix) {
            view.moves[String(kv.key.dropFirst(config.movesPrefix.count))] = kv.value
        }
    }

    /// `vigilctl cluster drain|undrain|move`: answered once etcd has the request.
    func control(_ request: ControlRequest, from connection: ControlConnection, by who: String) {
        switch request.command {
        case .clusterDrain, .clusterUndrain:
            placer.drain(
                request.node ?? "",
                draining: request.command == .clusterDrain,
                by: who,
                connection: connection
            )
        case .clusterMove:
            guard let resource = request.target else {
                connection.send(.failure("no resource given"))
                return
            }
            placer.move(resource, to: request.node, live: Set(lastView.nodes.keys), connection: connection)
        default:
            connection.send(.failure("not a cluster command: \(request.command.rawValue)"))
        }
    }
}
