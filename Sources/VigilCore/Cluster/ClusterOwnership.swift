/// A resource's owner as etcd has it: the owner key's value, lease and create revision.
public struct ClusterOwner: Sendable, Equatable {
    public var node: String
    /// The lease the owner key is attached to (the owner's, when it claimed).
    public var lease: Int64
    /// The owner key's create revision: the fencing token. A later owner's is always higher.
    public var token: Int64

    public init(node: String, lease: Int64, token: Int64) {
        self.node = node
        self.lease = lease
        self.token = token
    }
}

/// The cluster as one linearizable read of etcd saw it: the live nodes (their node keys) and the owners.
public struct ClusterView: Sendable, Equatable {
    public var nodes: [String: ClusterNodeFigures]
    public var owners: [String: ClusterOwner]
    /// The etcd revision the read saw: a view older than a claim's revision cannot show that claim.
    public var revision: Int64
    /// The elected placer, if any, and where it assigned each resource (`ClusterPlacement`).
    public var placer: ClusterPlacerKey?
    public var assignments: [String: ClusterAssignment] = [:]
    /// Nodes an operator drained (`vigilctl cluster drain`), and moves asked for (resource → node, "" for the
    /// best one).
    public var drained: Set<String> = []
    public var moves: [String: String] = [:]
    /// Resources whose owner says their instance runs: resource → `node:token` (`{prefix}running/{resource}`).
    public var running: [String: String] = [:]
    /// Each live node's lease.
    public var leases: [String: Int64] = [:]

    public init(nodes: [String: ClusterNodeFigures] = [:], owners: [String: ClusterOwner] = [:], revision: Int64 = 0) {
        self.nodes = nodes
        self.owners = owners
        self.revision = revision
    }
}

/// What the cluster decision asks the daemon to do.
public enum ClusterAction: Sendable, Equatable {
    /// Claim the resource: put its owner key, in one transaction, on the key's absence, this node's key existing
    /// and the resource's assignment still naming this node, attached to this node's lease.
    case claim(resource: String)
    /// Start the resource here; `token` goes to its actuators (`VIGIL_FENCING_TOKEN`).
    case start(resource: String, token: Int64)
    /// Stop the resource here (its owner key is gone or another node's, or this node's lease cannot be relied on).
    case stop(resource: String, reason: String)
    /// Delete the owner key, only while it still carries `token` (a resource no longer configured here, given up,
    /// or handed over), and only once the instance here is down.
    case release(resource: String, token: Int64)
    case emit(Event)
}

/// What a claim's transaction answered.
public enum ClusterClaimResult: Sendable, Equatable {
    /// The owner key was created at this revision: the fencing token.
    case written(token: Int64)
    /// The key exists (held by `owner`), or this node's key does not.
    case refused(owner: ClusterOwner?)
    /// No etcd member answered; the next view decides again.
    case failed(reason: String)
}

/// Which cluster resources this node runs: a value-type state machine fed the views of etcd, the answers of its
/// claims and the fate of its lease, answering `ClusterAction`s. The daemon carries them out; time is passed in.
///
/// The rules:
/// - a node starts a resource only once it owns it: its claim created the owner key under its current lease, and
///   the key's create revision is the fencing token handed to the resource;
/// - a resource without an owner is claimed only by the node the elected placer assigned it to
///   (`ClusterPlacement`); the claim also compares the assignment, so it fails once the placer changed its mind;
/// - a node whose resource the placer assigned elsewhere (a drain, a move) stops it and releases the owner key once
///   it is down, and only then can the other node claim it: one order, never both;
/// - a node whose lease cannot be relied on (`leaseLost`), or whose owner key another node holds or nobody holds,
///   stops the resource at once and forgets its token.
public struct ClusterOwnership: Sendable {
    /// This node's name.
    public let node: String
    /// The lease of the current session; nil between a lost lease and the next one.
    public private(set) var lease: Int64?
    /// The resources this node owns, with their fencing tokens.
    public private(set) var held: [String: Int64] = [:]
    private var claiming: Set<String> = []
    /// Owner keys this node gave up (handed over, or its restart policy gave up) that may still exist until the
    /// release is applied: never taken for a claim of this node's that took effect.
    private var releasing: [String: Int64] = [:]
    /// The live nodes of the last view; nil before the first one of a session.
    private var members: Set<String>?
    private var unreachableSince: MonotonicInstant?

    public init(node: String) {
        self.node = node
    }

    /// The fencing token of a resource this node owns.
    public func token(of resource: String) -> Int64? {
        held[resource]
    }

    /// The node holds a new lease and its node key is written under it.
    public mutating func joined(lease: Int64, ttl: Duration, now: MonotonicInstant) -> [ClusterAction] {
        self.lease = lease
        members = nil
        let event = Event(
            kind: .clusterJoined,
            message: "cluster: node \(node) joined with lease \(String(lease, radix: 16)) (TTL \(ttl.humanReadable))",
            fields: ["NODE": node, "LEASE": String(lease, radix: 16)],
            time: now
        )
        return [.emit(event)]
    }

    /// etcd could not be read or written (every member unreachable, or without a leader).
    public mutating func unreachable(reason: String, now: MonotonicInstant) -> [ClusterAction] {
        guard unreachableSince == nil else { return [] }
        unreachableSince = now
        let event = Event(
            kind: .etcdUnreachable,
            message: "cluster: etcd unreachable from node \(node): \(reason)",
            fields: ["NODE": node, "REASON": reason],
            time: now
        )
        return [.emit(event)]
    }

    /// A view of the cluster, read after every change and periodically.
    ///
    /// - Parameters:
    ///   - resources: the cluster resources configured here, in configuration order.
    ///   - busy: resources whose instance here is still stopping: not claimed again until it is down.
    ///   - failed: resources whose restart policy or recovery ladder gave up here: released if held, never claimed.
    ///   - follows: follower → the resource it follows (`ClusterOwnership+Follows.swift`).
    ///   - ready: the followed resources this node runs healthy.
    public mutating func observe(
        _ view: ClusterView,
        resources: [String],
        busy: Set<String> = [],
        failed: Set<String> = [],
        follows: [String: String] = [:],
        ready: Set<String> = [],
        now: MonotonicInstant
    ) -> [ClusterAction] {
        var actions: [ClusterAction] = []
        if let since = unreachableSince {
            unreachableSince = nil
            let event = Event(
                kind: .etcdReachable,
                message: "cluster: etcd reachable again from node \(node) after \((now - since).humanReadable)",
                fields: ["NODE": node, "OUTAGE_USEC": String((now - since).microseconds)],
                time: now
            )
            actions.append(.emit(event))
        }
        guard let lease else { return actions }
        let live = Set(view.nodes.keys)
        if let members {
            for joined in live.subtracting(members).sorted() where joined != node {
                actions.append(.emit(nodeEvent(.nodeJoined, joined, "joined", now: now)))
            }
            for lost in members.subtracting(live).sorted() where lost != node {
                actions.append(.emit(nodeEvent(.nodeLost, lost, "lost (its lease expired or was revoked)", now: now)))
            }
        }
        members = live
        guard live.contains(node) else {
            // A linearizable read without this node's key: its lease is gone at etcd, whatever the keeper thinks.
            return actions + leaseLost(reason: "this node's key is gone from etcd", now: now)
        }
        let configured = Set(resources)
        for (resource, token) in held.sorted(by: { $0.key < $1.key }) where !configured.contains(resource) {
            held[resource] = nil
            actions.append(.release(resource: resource, token: token))
        }
        for resource in Self.followersLast(resources, follows: follows) {
            let owner = view.owners[resource]
            if let token = releasing[resource], owner?.token != token {
                releasing[resource] = nil
            }
            if let token = held[resource], mustRelease(resource, follows: follows) {
                held[resource] = nil
                releasing[resource] = token
                let why = "follows \(follows[resource] ?? "?"), which node \(node) no longer holds: released with it"
                actions.append(.stop(resource: resource, reason: "cluster ownership lost: \(why)"))
                actions.append(.release(resource: resource, token: token))
                actions.append(.emit(resourceEvent(.resourceReleased, resource, token: token, why, now: now)))
            } else if let token = held[resource], failed.contains(resource) {
                held[resource] = nil
                releasing[resource] = token
                let why = "its restart policy or recovery ladder gave up on node \(node): released for another node"
                actions.append(.release(resource: resource, token: token))
                actions.append(.emit(resourceEvent(.resourceReleased, resource, token: token, why, now: now)))
            } else if let token = held[resource] {
                if owner?.lease == lease, owner?.token == token {
                    if let assigned = view.assignments[resource]?.node, assigned != node, view.revision >= token {
                        // Moved by the placer: stopped here, its key released once it is down, then claimed there.
                        held[resource] = nil
                        releasing[resource] = token
                        let why = "handed over to node \(assigned) (assigned there by the placer)"
                        actions.append(.stop(resource: resource, reason: "cluster: \(why)"))
                        actions.append(.release(resource: resource, token: token))
                        actions.append(.emit(resourceEvent(.resourceReleased, resource, token: token, why, now: now)))
                    }
                    continue
                }
                if view.revision < token {
                    // Read before this node's claim was written (views and claim answers race back): says nothing
                    // about it.
                    continue
                }
                held[resource] = nil
                let why = owner.map { "now owned by \($0.node) (token \($0.token))" } ?? "its owner key is gone"
                actions.append(.stop(resource: resource, reason: "cluster ownership lost: \(why)"))
                actions.append(.emit(resourceEvent(.resourceReleased, resource, token: token, why, now: now)))
            } else if claiming.contains(resource) {
                continue
            } else if let owner, owner.node == node, owner.lease == lease, releasing[resource] != owner.token {
                // A claim whose answer never came back (a timeout retried on another member) did take effect.
                actions += won(resource, token: owner.token, now: now)
            } else if owner == nil, !busy.contains(resource), !failed.contains(resource),
                claims(resource, assignedTo: view.assignments[resource]?.node, follows: follows, ready: ready)
            {
                actions += startClaim(resource)
            }
        }
        return actions
    }

    /// A claim's transaction answered; `lease` is the lease it was made under (an answer from an earlier session is
    /// ignored).
    public mutating func claimAnswered(
        _ resource: String,
        lease: Int64,
        result: ClusterClaimResult,
        now: MonotonicInstant
    ) -> [ClusterAction] {
        guard lease == self.lease else { return [] }
        claiming.remove(resource)
        switch result {
        case .written(let token):
            return won(resource, token: token, now: now)
        case .refused(let owner?) where owner.node == node && owner.lease == lease:
            return won(resource, token: owner.token, now: now)
        case .refused, .failed:
            return []
        }
    }

    /// The lease cannot be relied on any more (its deadline, less the stop budget, passed without a renewal; or
    /// etcd says it is gone): every resource held is stopped now, before the lease can expire at etcd and another
    /// node start them.
    public mutating func leaseLost(reason: String, now: MonotonicInstant) -> [ClusterAction] {
        guard lease != nil || !held.isEmpty else { return [] }
        let stopped = held.sorted { $0.key < $1.key }
        held = [:]
        claiming = []
        releasing = [:]
        lease = nil
        members = nil
        var actions: [ClusterAction] = stopped.map { .stop(resource: $0.key, reason: "self-fence: \(reason)") }
        let names = stopped.map(\.key)
        let list = names.isEmpty ? "none held" : names.joined(separator: ", ")
        let event = Event(
            kind: .selfFenced,
            message: "cluster: node \(node) cannot rely on its lease (\(reason)): stopping its cluster resources "
                + "(\(list)) before the lease can expire elsewhere",
            fields: ["NODE": node, "REASON": reason, "RESOURCES": names.joined(separator: " ")],
            time: now,
            severity: names.isEmpty ? .warning : nil
        )
        actions.append(.emit(event))
        return actions
    }

    func isClaiming(_ resource: String) -> Bool {
        claiming.contains(resource)
    }

    mutating func startClaim(_ resource: String) -> [ClusterAction] {
        claiming.insert(resource)
        return [.claim(resource: resource)]
    }

    private mutating func won(_ resource: String, token: Int64, now: MonotonicInstant) -> [ClusterAction] {
        held[resource] = token
        let event = resourceEvent(.resourceClaimed, resource, token: token, "claimed by node \(node)", now: now)
        return [.emit(event), .start(resource: resource, token: token)]
    }

    private func nodeEvent(_ kind: EventKind, _ other: String, _ what: String, now: MonotonicInstant) -> Event {
        Event(
            kind: kind,
            message: "cluster: node \(other) \(what) (seen by \(node))",
            fields: ["NODE": other, "OBSERVER": node],
            time: now
        )
    }

    private func resourceEvent(
        _ kind: EventKind,
        _ resource: String,
        token: Int64,
        _ what: String,
        now: MonotonicInstant
    ) -> Event {
        Event(
            kind: kind,
            target: resource,
            message: "\(resource): \(what) (fencing token \(token))",
            fields: ["NODE": node, "FENCING_TOKEN": String(token)],
            time: now
        )
    }
}
