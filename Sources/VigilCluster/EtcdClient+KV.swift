import EtcdAPI
import Foundation

extension EtcdClient {
    /// Reads one key (linearizable).
    ///
    /// - Returns: the key, or nil if it does not exist.
    /// - Throws: `EtcdError` when no member answered or etcd refused.
    public func get(_ key: String) async throws -> EtcdKeyValue? {
        let request = Etcdserverpb_RangeRequest.with { $0.key = Data(key.utf8) }
        let response = try await onAnyMember("get \(key)") { member in
            try await member.kv.range(request, options: options())
        }
        return response.kvs.first.map(EtcdKeyValue.init)
    }

    /// Reads every key under `prefix` (linearizable), in key order.
    ///
    /// - Returns: the keys and the revision the read saw (to watch from the next one).
    /// - Throws: `EtcdError` when no member answered or etcd refused.
    public func list(prefix: String) async throws -> (keys: [EtcdKeyValue], revision: Int64) {
        let request = Etcdserverpb_RangeRequest.with {
            $0.key = Data(prefix.utf8)
            $0.rangeEnd = Self.rangeEnd(ofPrefix: prefix)
        }
        let response = try await onAnyMember("list \(prefix)") { member in
            try await member.kv.range(request, options: options())
        }
        return (response.kvs.map(EtcdKeyValue.init), response.header.revision)
    }

    /// Writes a key, attached to `lease` if given (the key goes when the lease expires).
    ///
    /// - Returns: the revision of the write (the key's new mod revision).
    /// - Throws: `EtcdError` when no member answered or etcd refused (a lease that does not exist).
    @discardableResult
    public func put(_ key: String, value: String, lease: EtcdLease? = nil) async throws -> Int64 {
        let request = Etcdserverpb_PutRequest.with {
            $0.key = Data(key.utf8)
            $0.value = Data(value.utf8)
            $0.lease = lease?.id ?? 0
        }
        let response = try await onAnyMember("put \(key)") { member in
            try await member.kv.put(request, options: options())
        }
        return response.header.revision
    }

    /// Deletes a key.
    ///
    /// - Returns: whether the key existed.
    /// - Throws: `EtcdError` when no member answered or etcd refused.
    @discardableResult
    public func delete(_ key: String) async throws -> Bool {
        let request = Etcdserverpb_DeleteRangeRequest.with { $0.key = Data(key.utf8) }
        let response = try await onAnyMember("delete \(key)") { member in
            try await member.kv.deleteRange(request, options: options())
        }
        return response.deleted > 0
    }

    /// Writes `key` only if `condition` holds, checked and applied in one transaction.
    ///
    /// `.absent(owner)` claims a key nobody holds; the revision it answers is the fencing token.
    /// `.modRevision(owner, token)` writes only while the owner key still carries that token, so a write from an
    /// owner that lost the key (and whose successor re-created it at a higher revision) is refused.
    ///
    /// - Returns: `.written(revision)` or `.refused(current:)` with the condition's key as etcd has it.
    /// - Throws: `EtcdError` when no member answered or etcd refused the transaction.
    public func put(
        _ key: String,
        value: String,
        lease: EtcdLease? = nil,
        if condition: EtcdCondition
    ) async throws -> EtcdGuardedPut {
        try await put(key, value: value, lease: lease, ifAll: [condition])
    }

    /// Writes `key` only if every condition holds, checked and applied in one transaction (a claim: the owner key
    /// absent and the claimant's node key present).
    ///
    /// - Returns: `.written(revision)`, or `.refused(current:)` with the first condition's key as etcd has it.
    /// - Throws: `EtcdError` when no member answered or etcd refused the transaction.
    public func put(
        _ key: String,
        value: String,
        lease: EtcdLease? = nil,
        ifAll conditions: [EtcdCondition]
    ) async throws -> EtcdGuardedPut {
        let condition = conditions[0]
        let request = Etcdserverpb_TxnRequest.with {
            $0.compare = conditions.map(Self.compare)
            $0.success = [
                .with {
                    $0.requestPut = .with {
                        $0.key = Data(key.utf8)
                        $0.value = Data(value.utf8)
                        $0.lease = lease?.id ?? 0
                    }
                }
            ]
            $0.failure = [.with { $0.requestRange = .with { $0.key = Data(condition.key.utf8) } }]
        }
        let response = try await onAnyMember("guarded put \(key)") { member in
            try await member.kv.txn(request, options: options())
        }
        if response.succeeded {
            return .written(revision: response.header.revision)
        }
        return .refused(current: response.responses.first?.responseRange.kvs.first.map(EtcdKeyValue.init))
    }

    static func compare(_ condition: EtcdCondition) -> Etcdserverpb_Compare {
        switch condition {
        case .absent(let key):
            .with {
                $0.key = Data(key.utf8)
                $0.target = .create
                $0.result = .equal
                $0.createRevision = 0
            }
        case .modRevision(let key, let revision):
            .with {
                $0.key = Data(key.utf8)
                $0.target = .mod
                $0.result = .equal
                $0.modRevision = revision
            }
        case .present(let key):
            .with {
                $0.key = Data(key.utf8)
                $0.target = .create
                $0.result = .greater
                $0.createRevision = 0
            }
        }
    }

    /// Deletes `key` only while its create revision is `token` (an owner giving back what it still holds).
    ///
    /// - Returns: whether the key was deleted.
    /// - Throws: `EtcdError` when no member answered or etcd refused the transaction.
    @discardableResult
    public func delete(_ key: String, ifCreatedAt token: Int64) async throws -> Bool {
        let request = Etcdserverpb_TxnRequest.with {
            $0.compare = [
                .with {
                    $0.key = Data(key.utf8)
                    $0.target = .create
                    $0.result = .equal
                    $0.createRevision = token
                }
            ]
            $0.success = [.with { $0.requestDeleteRange = .with { $0.key = Data(key.utf8) } }]
        }
        let response = try await onAnyMember("guarded delete \(key)") { member in
            try await member.kv.txn(request, options: options())
        }
        return response.succeeded
    }

    /// The end of the range of keys starting with `prefix`: the prefix with its last byte below 0xff
    /// incremented (clientv3's `GetPrefixRangeEnd`); `\0` (every key) for an empty prefix or one of 0xff only.
    static func rangeEnd(ofPrefix prefix: String) -> Data {
        var bytes = Array(prefix.utf8)
        while let last = bytes.last {
            if last < 0xff {
                bytes[bytes.count - 1] = last + 1
                return Data(bytes)
            }
            bytes.removeLast()
        }
        return Data([0])
    }
}

extension EtcdKeyValue {
    init(_ kv: Mvccpb_KeyValue) {
        self.init(
            key: String(decoding: kv.key, as: UTF8.self),
            value: String(decoding: kv.value, as: UTF8.self),
            createRevision: kv.createRevision,
            modRevision: kv.modRevision,
            version: kv.version,
            lease: kv.lease
        )
    }
}
