import Glibc
import Testing
import VigilCluster
import VigilCore
import VigilTestSupport

extension EtcdClusterTests {
    /// The lease keeper against a real three-member etcd cluster: what self-fencing will rest on. The figures are
    /// printed.
    @Suite struct LeaseKeeperTests {
        @Test func aKeptLeaseStaysAndAStoppedKeepersKeyIsDeletedForAWatcherWithinTheTTLPlusOneSecond() async throws {
            try await withEtcdCluster { cluster in
                try await withEtcdClient(cluster.endpoints) { client in
                    let (lease, sentAt) = try await client.grantLease(ttl: .seconds(2))
                    #expect(lease.ttl == .seconds(2))
                    let keeper = LeaseKeeper(client: client, lease: lease, grantSentAt: sentAt)
                    let keeperEvents = Recorder(keeper.events)
                    try await client.put("/vigil/nodes/a", value: "alive", lease: lease)

                    // Three TTLs later the key is still there and etcd still counts the lease down from about 2 s.
                    try await Task.sleep(for: .seconds(6))
                    #expect(try await client.get("/vigil/nodes/a")?.lease == lease.id)
                    let left = try #require(try await client.timeToLive(lease))
                    #expect(left >= .seconds(1))
                    #expect(!keeperEvents.events.contains { if case .lost = $0.element { true } else { false } })

                    let watch = Recorder(client.watch(prefix: "/vigil/nodes/"))
                    let created = try await watch.first(within: .seconds(5)) {
                        if case .created = $0 { true } else { false }
                    }
                    #expect(created != nil, "the watch was not created: \(watch.ended ?? "no answer")")

                    let deadline = try #require(keeper.deadline)
                    keeper.stop()
                    await keeper.finished()
                    let stoppedAt = monotonicNow()
                    let deleted = try #require(
                        try await watch.first(within: .seconds(6)) { if case .deleted = $0 { true } else { false } },
                        "the watcher never saw the key of the expired lease go"
                    )
                    #expect(deleted.element == .deleted(key: "/vigil/nodes/a", revision: deleted.element.revision))
                    let lastSend = deadline - lease.ttl
                    print(
                        "lease expiry at TTL 2 s: watcher saw the delete \((deleted.at - lastSend).milliseconds) after the "
                            + "send of the last acknowledged keepalive, \((deleted.at - stoppedAt).milliseconds) after the "
                            + "keeper stopped, \((deleted.at - deadline).milliseconds) after the keeper's deadline"
                    )
                    #expect(deleted.at - stoppedAt <= lease.ttl + .seconds(1))
                    #expect(deleted.at >= deadline, "etcd never expires a lease before the keeper's deadline")
                    #expect(try await client.get("/vigil/nodes/a") == nil)
                    #expect(try await client.timeToLive(lease) == nil)
                    await watch.cancel()
                    await keeperEvents.cancel()
                }
            }
        }

        @Test func killingTheRaftLeaderLosesNoLeaseBecauseTheKeeperFailsOver() async throws {
            try await withEtcdCluster { cluster in
                let leader = try await cluster.leaderIndex()
                // The leader first: the keepalive stream starts on the member that is killed.
                let order = [leader] + cluster.endpoints.indices.filter { $0 != leader }
                try await withEtcdClient(order.map { cluster.endpoints[$0] }) { client in
                    // TTL 5: a new leader takes ~1.3 s, longer than a 2 s lease leaves after the last keepalive.
                    let (lease, sentAt) = try await client.grantLease(ttl: .seconds(5))
                    let keeper = LeaseKeeper(client: client, lease: lease, grantSentAt: sentAt)
                    let events = Recorder(keeper.events)
                    try await client.put("/vigil/nodes/a", value: "alive", lease: lease)
                    _ = try await events.first(within: .seconds(5)) { if case .renewed = $0 { true } else { false } }

                    let killedAt = monotonicNow()
                    try cluster.kill(leader)
                    async let electedAt = cluster.waitForNewLeader(replacing: leader, within: .seconds(10))
                    let renewedElsewhere = try #require(
                        try await events.first(within: .seconds(4)) { event in
                            if case .renewed(_, let endpoint) = event {
                                return endpoint != cluster.endpoints[leader]
                            }
                            return false
                        },
                        "no keepalive was acknowledged by another member: \(events.events.map(\.element))"
                    )
                    try await Task.sleep(for: .seconds(8))
                    let lost = events.events.filter { if case .lost = $0.element { true } else { false } }
                    #expect(lost.isEmpty, "the keeper lost its lease: \(lost.map(\.element))")
                    #expect(try await client.get("/vigil/nodes/a")?.lease == lease.id)
                    #expect(try await client.timeToLive(lease) != nil)
                    let newLeader = try await cluster.leaderIndex()
                    #expect(newLeader != leader)
                    let failovers = events.events.filter { if case .failedOver = $0.element { true } else { false } }
                    let elected = try await electedAt.map { ($0 - killedAt).milliseconds } ?? "not seen"
                    print(
                        "raft leader killed (SIGKILL): a new leader was seen \(elected) later, a keepalive acknowledged "
                            + "by another member \((renewedElsewhere.at - killedAt).milliseconds) later, after "
                            + "\(failovers.count) stream failover(s); lease kept (TTL 5 s)"
                    )
                    for (at, event) in events.events where at >= killedAt && at <= renewedElsewhere.at {
                        if case .failedOver(let from, let to, let reason) = event {
                            print("  +\((at - killedAt).milliseconds): \(from) → \(to): \(reason)")
                        }
                    }
                    keeper.stop()
                    await keeper.finished()
                    try await client.revokeLease(lease)
                    #expect(try await client.get("/vigil/nodes/a") == nil, "revoking a lease deletes its keys")
                }
            }
        }

        @Test func aKeeperWhoseMemberIsStoppedReportsLostNoLaterThanEtcdExpiresTheLease() async throws {
            try await withEtcdCluster { cluster in
                let leader = try await cluster.leaderIndex()
                let follower = cluster.endpoints.indices.first { $0 != leader }!
                let watcherMember = cluster.endpoints.indices.first { $0 != leader && $0 != follower }!
                // The keeper reaches etcd through one follower only, so it cannot fail over when that one stops.
                try await withEtcdClient([cluster.endpoints[follower]]) { keeperClient in
                    try await withEtcdClient([cluster.endpoints[watcherMember]]) { watcherClient in
                        let (lease, sentAt) = try await keeperClient.grantLease(ttl: .seconds(2))
                        let keeper = LeaseKeeper(client: keeperClient, lease: lease, grantSentAt: sentAt)
                        let events = Recorder(keeper.events)
                        try await keeperClient.put("/vigil/nodes/a", value: "alive", lease: lease)
                        let watch = Recorder(watcherClient.watch(prefix: "/vigil/nodes/"))
                        _ = try await watch.first(within: .seconds(5)) { if case .created = $0 { true } else { false } }
                        try await Task.sleep(for: .seconds(1))

                        let stoppedAt = monotonicNow()
                        try cluster.signal(follower, SIGSTOP)
                        let lost = try #require(
                            try await events.first(within: .seconds(4)) { if case .lost = $0 { true } else { false } },
                            "the keeper never reported its lease lost"
                        )
                        let deleted = try #require(
                            try await watch.first(within: .seconds(6)) {
                                if case .deleted = $0 { true } else { false }
                            },
                            "the other side never saw the key go"
                        )
                        try cluster.signal(follower, SIGCONT)
                        await watch.cancel()
                        await events.cancel()
                        guard case .lost(.deadlinePassed(let deadline), let lostAt) = lost.element else {
                            Issue.record("lost for another reason: \(lost.element)")
                            return
                        }
                        print(
                            "member SIGSTOPped (TTL 2 s): keeper reported lost \((lostAt - stoppedAt).milliseconds) "
                                + "after the stop (\((lostAt - deadline).milliseconds) after its deadline), "
                                + "\((deleted.at - lostAt).milliseconds) before the watcher on another member saw the "
                                + "key deleted"
                        )
                        #expect(lostAt <= deleted.at, "the keeper reported its loss after etcd had expired the lease")
                        #expect(lostAt >= deadline)
                        #expect(lostAt - deadline < .milliseconds(100), "the keeper's timer fired late")
                    }
                }
            }
        }
    }
}

extension EtcdWatchEvent {
    /// The revision the event carries (0 for a put, whose revision is its key's mod revision).
    var revision: Int64 {
        switch self {
        case .created(let revision), .deleted(_, let revision):
            revision
        case .put(let keyValue):
            keyValue.modRevision
        }
    }
}
