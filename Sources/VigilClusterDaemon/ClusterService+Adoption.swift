import Foundation
import VigilCluster
import VigilCore
import VigilDaemon
import VigilLinux

/// A vigild killed and started again on the same host takes its predecessor's lease over instead of granting a new
/// one, so that the resources it ran stay where they were, with the same instance and the same fencing token.
///
/// The predecessor wrote `NODE LEASE` (hex) to `cluster-lease` in the state directory when it joined. If the node
/// key in etcd is still attached to that lease (so the lease is alive, and no other node can have claimed what it
/// owned), the new session keeps it alive instead of granting one: its first keepalive must be acknowledged within
/// `adoptionGrace` (with TTL 0, or not at all, the lease is lost and the session grants a new one). Its owner keys
/// then show this node under its own lease, and the instances found running are this node's to keep. Until the
/// session has decided (joined, or etcd unreachable, at most `adoptionGrace` after vigild started), an instance found
/// running is not stopped; once decided, one this node does not own is stopped as before.
///
/// Only the file written by a vigild with the same state directory and node name is trusted: two vigilds that were
/// given one node name by mistake never share a lease.
extension ClusterService {
    /// How long an instance found running is kept while vigild asks etcd whether its predecessor's lease lives.
    static let adoptionGrace: Duration = .milliseconds(1_000)

    /// The file naming the lease this node holds.
    static func leaseFile(_ engine: Engine) -> String {
        engine.loaded.config.daemon.stateDirectory + "/cluster-lease"
    }

    /// The lease a predecessor recorded for `node` in `file`, if any.
    static func recordedLease(in file: String, node: String) -> Int64? {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 2, parts[0] == node, let id = Int64(parts[1], radix: 16) else { return nil }
        return id
    }

    /// Records `lease` as this node's (written off the engine queue by the session, right after it joined).
    static func record(_ lease: EtcdLease, node: String, in file: String) {
        Directories.createParents(of: file, mode: 0o700)
        try? "\(node) \(String(lease.id, radix: 16))\n".write(toFile: file, atomically: true, encoding: .utf8)
    }

    /// The predecessor's lease, when etcd still has this node's key under it: the session keeps it instead of
    /// granting one. Its deadline is put `adoptionGrace` ahead of the keeper's margin, so the keeper gives it up
    /// unless etcd acknowledges a keepalive of it by then.
    static func adoptableLease(
        client: EtcdClient,
        config: ClusterConfig,
        file: String,
        margin: Duration
    ) async -> (lease: EtcdLease, sentAt: MonotonicInstant)? {
        guard let id = recordedLease(in: file, node: config.node),
            let key = try? await client.get(config.nodeKey(config.node)), key.lease == id
        else { return nil }
        let now = MonotonicClock.now()
        return (EtcdLease(id: id, ttl: config.leaseTTL), now - config.leaseTTL + margin + adoptionGrace / 4)
    }

    /// At start: whether instances found running wait for the session's decision (a predecessor's lease is on
    /// record), with a timer that ends the wait after `adoptionGrace`.
    func beginAdoption() {
        guard Self.recordedLease(in: Self.leaseFile(engine), node: config.node) != nil else { return }
        adoptionPending = true
        engine.after(Self.adoptionGrace, postCluster: ClusterEvent.adoptionDecided)
    }

    /// The session joined (its views decide from now on), etcd could not be reached, or the grace is over: instances
    /// found running that this node does not own are stopped.
    func endAdoption(stopping: Bool) {
        guard adoptionPending else { return }
        adoptionPending = false
        if stopping {
            stopUnowned()
        }
    }
}
