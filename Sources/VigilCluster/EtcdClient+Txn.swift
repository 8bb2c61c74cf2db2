import EtcdAPI
import Foundation

/// One write of a transaction (`EtcdClient.transaction(if:then:)`).
public enum EtcdWrite: Sendable, Equatable {
    case put(key: String, value: String, lease: EtcdLease?)
    case delete(key: String)
}

extension EtcdClient {
    /// Applies `writes` in one transaction only if every condition holds (the placer's assignments, guarded by the
    /// placer key's revision: a deposed placer's transaction fails as a whole).
    ///
    /// - Returns: the revision of the transaction when it was applied, nil when a condition did not hold.
    /// - Throws: `EtcdError` when no member answered or etcd refused the transaction.
    public func transaction(if conditions: [EtcdCondition], then writes: [EtcdWrite]) async throws -> Int64? {
        let request = Etcdserverpb_TxnRequest.with {
            $0.compare = conditions.map(Self.compare)
            $0.success = writes.map { write in
                switch write {
                case .put(let key, let value, let lease):
                    .with {
                        $0.requestPut = .with {
                            $0.key = Data(key.utf8)
                            $0.value = Data(value.utf8)
                            $0.lease = lease?.id ?? 0
                        }
                    }
                case .delete(let key):
                    .with { $0.requestDeleteRange = .with { $0.key = Data(key.utf8) } }
                }
            }
        }
        let response = try await onAnyMember("transaction") { member in
            try await member.kv.txn(request, options: options())
        }
        return response.succeeded ? response.header.revision : nil
    }
}
