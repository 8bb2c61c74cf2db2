/// A key and its value as etcd stores it, with the revisions a caller compares on.
public struct EtcdKeyValue: Sendable, Equatable {
    public var key: String
    public var value: String
    /// The revision of the put that created the key (0 for a key that does not exist).
    public var createRevision: Int64
    /// The revision of the last put to the key: what a fencing token is compared with.
    public var modRevision: Int64
    /// Puts since the key was created (1 right after creation).
    public var version: Int64
    /// The lease the key is attached to, 0 if none.
    public var lease: Int64

    public init(key: String, value: String, createRevision: Int64, modRevision: Int64, version: Int64, lease: Int64) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
        self.lease = lease
    }
}

/// The condition of a guarded put (`EtcdClient.put(_:value:lease:if:)`), checked and applied in one transaction.
public enum EtcdCondition: Sendable, Equatable {
    /// The key does not exist: claim a key nobody holds.
    case absent(key: String)
    /// The key was last written at this revision: the fencing guard (the owner key still carries the token
    /// that was handed out with it).
    case modRevision(key: String, equals: Int64)
    /// The key exists (a claimant's own node key: only a live member may claim).
    case present(key: String)

    public var key: String {
        switch self {
        case .absent(let key), .modRevision(let key, _), .present(let key):
            key
        }
    }
}

/// What a guarded put did.
public enum EtcdGuardedPut: Sendable, Equatable {
    /// The condition held and the value was written at `revision` (the new key's mod revision).
    case written(revision: Int64)
    /// The condition did not hold; nothing was written. `current` is the condition's key as it is now
    /// (nil if absent).
    case refused(current: EtcdKeyValue?)
}

/// A lease etcd granted.
public struct EtcdLease: Sendable, Equatable {
    public var id: Int64
    /// The TTL etcd granted (at least 2 s in etcd 3.4, whatever was asked).
    public var ttl: Duration

    public init(id: Int64, ttl: Duration) {
        self.id = id
        self.ttl = ttl
    }
}

/// What a watch reports.
public enum EtcdWatchEvent: Sendable, Equatable {
    /// The watch is in place: every change after `revision` will be reported.
    case created(revision: Int64)
    case put(EtcdKeyValue)
    /// The key was deleted (by a delete or by its lease's expiry) at `revision`.
    case deleted(key: String, revision: Int64)
}
