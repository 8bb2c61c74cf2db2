import EtcdAPI

/// One member's view of the raft group.
public struct EtcdMemberStatus: Sendable, Equatable {
    public var endpoint: EtcdEndpoint
    public var memberID: UInt64
    /// The member this one follows (0: it knows no leader).
    public var leaderID: UInt64
    public var raftTerm: UInt64

    public var isLeader: Bool {
        memberID == leaderID
    }
}

extension EtcdClient {
    /// Asks every member for its status, without failover: a member that does not answer within the request
    /// timeout is left out.
    ///
    /// - Returns: the statuses of the members that answered, in endpoint order.
    public func memberStatuses() async -> [EtcdMemberStatus] {
        var statuses: [EtcdMemberStatus] = []
        for member in members {
            if let response = try? await member.maintenance.status(.init(), options: options()) {
                statuses.append(
                    EtcdMemberStatus(
                        endpoint: member.endpoint,
                        memberID: response.header.memberID,
                        leaderID: response.leader,
                        raftTerm: response.raftTerm
                    )
                )
            }
        }
        return statuses
    }
}
