import EtcdAPI
import VigilCore

extension EtcdClient {
    /// Asks for a lease of `ttl` (etcd 3.4 grants at least 2 s).
    ///
    /// - Returns: the lease, and when the request was sent: the lease cannot have started before, so a
    ///   `LeaseDeadline` counted from there is never late.
    /// - Throws: `EtcdError` when no member answered or etcd refused.
    public func grantLease(ttl: Duration) async throws -> (lease: EtcdLease, sentAt: MonotonicInstant) {
        let seconds = max(1, (ttl.nanoseconds + 999_999_999) / 1_000_000_000)
        let request = Etcdserverpb_LeaseGrantRequest.with { $0.ttl = seconds }
        return try await onAnyMember("lease grant") { member in
            let sentAt = MonotonicInstant.now()
            let response = try await member.lease.leaseGrant(request, options: options())
            guard response.error.isEmpty else {
                throw EtcdError(.rejected, "etcd lease grant on \(member.endpoint): \(response.error)")
            }
            return (EtcdLease(id: response.id, ttl: .seconds(response.ttl)), sentAt)
        }
    }

    /// Revokes a lease: every key attached to it is deleted at once.
    ///
    /// - Throws: `EtcdError` when no member answered, or `rejected` when the lease no longer exists.
    public func revokeLease(_ lease: EtcdLease) async throws {
        let request = Etcdserverpb_LeaseRevokeRequest.with { $0.id = lease.id }
        _ = try await onAnyMember("lease revoke \(lease.id)") { member in
            try await member.lease.leaseRevoke(request, options: options())
        }
    }

    /// The time a lease has left at etcd's leader.
    ///
    /// - Returns: the remaining time, or nil once the lease has expired or was revoked.
    /// - Throws: `EtcdError` when no member answered or etcd refused.
    public func timeToLive(_ lease: EtcdLease) async throws -> Duration? {
        let request = Etcdserverpb_LeaseTimeToLiveRequest.with { $0.id = lease.id }
        let response = try await onAnyMember("lease time-to-live \(lease.id)") { member in
            try await member.lease.leaseTimeToLive(request, options: options())
        }
        return response.ttl < 0 ? nil : .seconds(response.ttl)
    }
}
