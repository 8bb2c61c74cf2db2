import VigilCore
import VigilLinux

/// Cluster mode as the engine consults it (`[cluster]`): who may start a cluster resource, its fencing token, the
/// cluster's status. Made at start by the `ClusterAuthorityFactory` the engine was given, only when the
/// configuration has a `[cluster]` table.
///
/// The implementation (`ClusterService`, with the etcd client and its gRPC stack) lives in `VigilClusterDaemon`,
/// which only the `vigild-cluster` executable links: plain `vigild` carries none of it and gives no factory. Called
/// on the engine queue only, like the engine.
public protocol ClusterAuthority: AnyObject {
    /// Starts the first session: a lease, the node key, the reads of the cluster's keys.
    func start()
    /// Stops the session at shutdown, once the cluster resources have stopped; gives the lease back.
    func stop()
    /// Stops the cluster resources found running at start that this node does not own.
    func stopUnowned()
    /// Refreshes the figures of this node's key (free memory, load, host faults).
    func updateFigures()
    /// The session's news, posted as `EngineEvent.cluster` from its tasks.
    func handle(session event: any ClusterSessionEvent)
    /// Whether target `name` may start here: always for a target that is not a cluster resource, and for a
    /// cluster resource only while this node owns it.
    func permitsStart(of name: String) -> Bool
    /// The fencing token of a cluster resource this node runs, for its actuators and events.
    func token(of resource: String) -> Int64?
    /// Cluster mode as this node sees it, for `vigilctl status` and the metrics.
    func status() -> ClusterStatus
    /// After every engine event: claims at once a follower whose followed resource now runs healthy here, rather
    /// than at the next view.
    func claimFollowers()
    /// `vigilctl cluster drain|undrain|move`: writes the request to etcd and answers `connection` once etcd has it.
    func control(_ request: ControlRequest, from connection: ControlConnection, by who: String)
}

/// What a cluster session reports to the engine; only its `ClusterAuthority` knows the concrete type.
public protocol ClusterSessionEvent: Sendable {}

/// Makes the engine's cluster authority from the `[cluster]` table at start.
///
/// - Throws: when the etcd client cannot be made (an endpoint or a TLS file that cannot be used); the engine logs
///   it and runs without cluster mode.
public typealias ClusterAuthorityFactory = @Sendable (Engine, ClusterConfig) throws -> any ClusterAuthority
