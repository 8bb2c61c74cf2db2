import VigilCore
import VigilDaemon

extension ClusterService: ClusterAuthority {
    func handle(session event: any ClusterSessionEvent) {
        guard let event = event as? ClusterEvent else {
            return
        }
        handle(event)
    }
}

extension ClusterEvent: ClusterSessionEvent {}

/// Cluster mode for the engine: `vigild-cluster` hands this to its `Engine`, so that a `[cluster]` table starts a
/// `ClusterService`.
public enum ClusterMode {
    /// Makes the `ClusterService` of a configuration's `[cluster]` table (its etcd client and session).
    public static let authority: ClusterAuthorityFactory = { engine, config in
        try ClusterService(engine: engine, config: config)
    }
}
