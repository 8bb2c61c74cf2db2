import VigilCluster
import VigilCore
import VigilDaemon
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

    /// Says in etcd which resources this node owns run here now (`{prefix}running/{resource}` = `node:token`,
    /// under the lease, written only while the owner key still carries the token), so that the placer starts the
    /// next planned move only once the last one runs. Written again on each view until the view shows it.
    func publishRunning(lease: EtcdLease) {
        for resource in engine.loaded.config.clusterResources.map(\.name) {
            guard let token = ownership.token(of: resource), let supervisor = engine.targets[resource],
                case .running = supervisor.machine.state
            else { continue }
            let value = "\(config.node):\(token)"
            guard lastView.running[resource] != value else { continue }
            let client = client
            let key = config.runningKey(resource)
            let owner = EtcdCondition.modRevision(key: config.ownerKey(resource), equals: token)
            Task { _ = try? await client.put(key, value: value, lease: lease, ifAll: [owner]) }
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
        } else if kv.key.hasPrefix(config.runningPrefix) {
            view.running[String(kv.key.dropFirst(config.runningPrefix.count))] = kv.value
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
