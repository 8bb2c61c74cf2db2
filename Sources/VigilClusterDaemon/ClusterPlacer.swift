import Foundation
import VigilCluster
import VigilCore
import VigilDaemon
import VigilLinux

/// What the placer's etcd tasks report back to the engine (`ClusterEvent.placer`).
enum ClusterPlacerEvent: Sendable {
    /// The election's transaction answered (won or not: the next view says who the placer is).
    case electionAnswered
    /// An assignment transaction answered: its revision when applied, nil when refused or unanswered.
    case assigned(ClusterAssignmentWrite, revision: Int64?)
    /// A drain, undrain or move request was written to etcd (or not): the answer for `vigilctl`, and the event.
    case answered(ControlConnection, ControlResponse, Event?)
}

/// The placer on this node: stands for election on etcd, and while elected writes the assignments
/// `ClusterPlacement` (VigilCore) plans, each transaction guarded by the placer key's create revision. Also writes
/// the drain keys and move requests of `vigilctl cluster drain|undrain|move`. Confined to the engine queue; etcd
/// is spoken to from tasks whose answers come back as `EngineEvent.cluster(.placer(…))`.
final class ClusterPlacer {
    unowned let engine: Engine
    let config: ClusterConfig
    private let client: EtcdClient
    private var placement: ClusterPlacement

    init(engine: Engine, config: ClusterConfig, client: EtcdClient) {
        self.engine = engine
        self.config = config
        self.client = client
        placement = ClusterPlacement(node: config.node)
    }

    private var post: @Sendable (ClusterPlacerEvent) -> Void {
        { @Sendable [weak engine] event in engine?.post(cluster: ClusterEvent.placer(event)) }
    }

    /// The cluster resources configured here with their placement rules, in configuration order.
    private var resources: [ClusterPlacement.Resource] {
        engine.loaded.config.clusterResources.map {
            ClusterPlacement.Resource(name: $0.name, rule: $0.clusterPlacement)
        }
    }

    /// A view read under `lease` (nil when this node holds none now).
    func observe(_ view: ClusterView, lease: EtcdLease?) {
        perform(placement.observe(view, lease: lease?.id, resources: resources, now: engine.now), lease: lease)
    }

    func handle(_ event: ClusterPlacerEvent) {
        switch event {
        case .electionAnswered:
            placement.electionAnswered()
        case .assigned(let write, let revision):
            perform(placement.assignAnswered(write, revision: revision), lease: nil)
        case .answered(let connection, let response, let event):
            if let event {
                engine.events.record(event)
            }
            connection.send(response)
        }
    }

    private func perform(_ actions: [ClusterPlacerAction], lease: EtcdLease?) {
        let client = client
        let post = post
        let placerKey = config.placerKey
        for action in actions {
            switch action {
            case .elect:
                guard let lease else {
                    placement.electionAnswered()
                    continue
                }
                let node = config.node
                let conditions: [EtcdCondition] = [.absent(key: placerKey), .present(key: config.nodeKey(node))]
                Task {
                    _ = try? await client.put(placerKey, value: node, lease: lease, ifAll: conditions)
                    post(.electionAnswered)
                }
            case .assign(let write):
                let writes =
                    write.assignments.sorted { $0.key < $1.key }.map {
                        EtcdWrite.put(key: config.assignmentKey($0.key), value: $0.value, lease: nil)
                    } + write.clearedMoves.map { EtcdWrite.delete(key: config.moveKey($0)) }
                Task {
                    let revision = try? await client.transaction(
                        if: [.modRevision(key: placerKey, equals: write.token)],
                        then: writes
                    )
                    post(.assigned(write, revision: revision ?? nil))
                }
            case .emit(let event):
                engine.events.record(event)
            }
        }
    }

    // MARK: - vigilctl cluster drain|undrain|move

    /// Writes (or deletes) a node's drain key and answers `connection` once etcd did.
    func drain(_ node: String, draining: Bool, by who: String, connection: ControlConnection) {
        guard !node.isEmpty, !node.contains("/") else {
            connection.send(.failure("no node named: \(node.isEmpty ? "(none given)" : node)"))
            return
        }
        let client = client
        let post = post
        let key = config.drainKey(node)
        let event = ClusterPlacement.drainEvent(of: node, draining: draining, by: who, now: engine.now)
        Task {
            do {
                if draining {
                    try await client.put(key, value: who)
                } else {
                    try await client.delete(key)
                }
                let message =
                    draining
                    ? "node \(node) draining: the placer moves its resources to other nodes one at a time"
                    : "node \(node) undrained: it may be given resources again"
                post(.answered(connection, ControlResponse(ok: true, message: message), event))
            } catch {
                post(.answered(connection, .failure("cannot write the drain of \(node) to etcd: \(error)"), nil))
            }
        }
    }

    /// Writes a move request for the placer and answers `connection` once etcd has it.
    /// - Parameters:
    ///   - node: the node to move it to; nil for the best one by the resource's strategy.
    ///   - live: the live nodes of the last view.
    func move(_ resource: String, to node: String?, live: Set<String>, connection: ControlConnection) {
        guard engine.loaded.config.clusterResources.contains(where: { $0.name == resource }) else {
            connection.send(.failure("no such cluster resource: \(resource)"))
            return
        }
        if let node, !live.contains(node) {
            connection.send(
                .failure("\(node) is not a live node of the cluster (live: \(live.sorted().joined(separator: " ")))")
            )
            return
        }
        let client = client
        let post = post
        let key = config.moveKey(resource)
        Task {
            do {
                try await client.put(key, value: node ?? "")
                let message =
                    "move of \(resource) to \(node ?? "the best node") requested: the placer stops it where it runs, "
                    + "then starts it there (vigilctl events --target \(resource) --follow)"
                post(.answered(connection, ControlResponse(ok: true, message: message), nil))
            } catch {
                post(.answered(connection, .failure("cannot write the move of \(resource) to etcd: \(error)"), nil))
            }
        }
    }
}
