import VigilCluster
import VigilCore
import VigilDaemon

/// What the cluster session reports to the engine (`EngineEvent.cluster`), from its tasks off the queue.
enum ClusterEvent: Sendable {
    /// A lease was granted and this node's key written under it.
    case joined(lease: EtcdLease)
    /// The lease keeper's news: renewed, failed over to another member, or lost.
    case lease(EtcdLease, LeaseKeeper.Event)
    /// A linearizable read of the cluster's keys.
    case view(ClusterView, lease: EtcdLease)
    /// A claim's transaction answered.
    case claimed(resource: String, lease: EtcdLease, result: ClusterClaimResult)
    /// etcd could not be read or written.
    case unreachable(reason: String)
    /// The placer's news (`ClusterPlacer`).
    case placer(ClusterPlacerEvent)
    /// Time to look again whether resources waiting to be released here are down (`releaseStopped`).
    case releaseCheck
    /// The watchdog's feed timer fired (`NodeWatchdog`).
    case watchdogDue
    /// The grace for taking over the previous vigild's lease is over (`ClusterService+Adoption`).
    case adoptionDecided
}
