/// The `[cluster]` table: this vigild is one node of a cluster coordinated through etcd v3 (`docs/cluster.md`).
///
/// Absent, vigild runs on its own and starts no cluster machinery at all (no etcd client, no threads).
public struct ClusterConfig: Sendable, Equatable {
    /// The etcd members' client addresses as written (`host:port`, `http://host:port`, `[v6]:port`), tried in this
    /// order: list the member nearest this host first.
    public var endpoints: [String]
    /// This node's name, unique in the cluster (A-Z a-z 0-9 _ . @ -, at most 64): its node key and the owner of
    /// the resources it runs.
    public var node: String
    /// The TTL of the node's etcd lease: a node that stops renewing it has stopped its resources before it expires,
    /// and the other nodes take them over once it has. At least 2 s (etcd's minimum).
    public var leaseTTL: Duration
    /// The prefix of every key this cluster writes, so several clusters can share one etcd.
    public var prefix: String
    /// The watchdog device armed while this node owns a cluster resource (`/dev/watchdog`); nil: none
    /// (`ClusterConfig+Watchdog.swift`).
    public var watchdog: String?
    /// The device's timeout as configured (`watchdog_timeout`); nil: `watchdogTimeoutDefault`.
    public var watchdogTimeoutSetting: Duration?
    /// TLS to etcd; nil: plaintext.
    public var tls: ClusterTLS?
    /// The etcd user vigild authenticates as; nil: etcd's authentication is off.
    public var credentials: ClusterCredentials?

    /// The shortest lease etcd 3.4 grants.
    public static let minimumLeaseTTL: Duration = .seconds(2)
    /// What a node keeps in hand before its lease deadline, beyond its resources' stop budget: the time to notice
    /// the deadline and signal the resources.
    public static let fenceMargin: Duration = .milliseconds(250)

    public init(endpoints: [String], node: String, leaseTTL: Duration = .seconds(5), prefix: String = "/vigil/") {
        self.endpoints = endpoints
        self.node = node
        self.leaseTTL = leaseTTL
        self.prefix = prefix
    }

    /// The key of a node's figures, attached to its lease: present while the node is a live member.
    public func nodeKey(_ node: String) -> String {
        prefix + "nodes/" + node
    }

    /// The prefix of every node key.
    public var nodesPrefix: String { prefix + "nodes/" }

    /// The key of a resource's owner, attached to the owner's lease; its create revision is the fencing token.
    public func ownerKey(_ resource: String) -> String {
        prefix + "owners/" + resource
    }

    /// The prefix of every owner key.
    public var ownersPrefix: String { prefix + "owners/" }

    /// How long before its lease deadline a node must start stopping resources whose stop takes `stopBudget`.
    public static func fenceLead(stopBudget: Duration) -> Duration {
        stopBudget + fenceMargin
    }

    /// The longest stop budget a resource may have under `leaseTTL`: its stop and the margin must fit in half the
    /// TTL, so that a node renewing every quarter of it is not fenced by one late answer.
    public var longestStopBudget: Duration {
        leaseTTL / 2 - Self.fenceMargin
    }
}
