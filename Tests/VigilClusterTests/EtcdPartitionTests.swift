import Testing
import VigilCluster
import VigilCore
import VigilTestSupport

extension EtcdClusterTests {
    /// Three etcd members in network namespaces of their own (a bridge in a fourth), one cut off from its peers with
    /// nftables drop rules in its namespace: the partition a node and its member see together.
    @Suite struct EtcdPartitionTests {
        @Test func aMemberCutOffFromItsPeersEndsItsLeaderWatchAndItsKeeperFencesBeforeTheMajoritySeesTheKeyGo()
            async throws
        {
            try await withEtcdCluster(inNamespaces: true) { cluster in
                let network = try #require(cluster.network)
                let leader = try await cluster.leaderIndex()
                let cut = cluster.endpoints.indices.first { $0 != leader }!
                let majority = cluster.endpoints.indices.first { $0 != leader && $0 != cut }!
                // The node on the cut side reaches etcd through its own member only, as a node cut off with it does.
                try await withEtcdClient([cluster.endpoints[cut]]) { nodeClient in
                    try await withEtcdClient([cluster.endpoints[majority]]) { otherClient in
                        let (lease, sentAt) = try await nodeClient.grantLease(ttl: .seconds(2))
                        let keeper = LeaseKeeper(client: nodeClient, lease: lease, grantSentAt: sentAt)
                        let events = Recorder(keeper.events)
                        try await nodeClient.put("/vigil/nodes/a", value: "alive", lease: lease)
                        let ownWatch = Recorder(nodeClient.watch(prefix: "/vigil/nodes/"))
                        let otherWatch = Recorder(otherClient.watch(prefix: "/vigil/nodes/"))
                        for watch in [ownWatch, otherWatch] {
                            let created = try await watch.first(within: .seconds(5)) {
                                if case .created = $0 { true } else { false }
                            }
                            #expect(created != nil, "a watch was not created: \(watch.ended ?? "no answer")")
                        }
                        try await Task.sleep(for: .seconds(1))

                        let cutAt = monotonicNow()
                        try network.cut(cut)
                        let lost = try #require(
                            try await events.first(within: .seconds(4)) { if case .lost = $0 { true } else { false } },
                            "the keeper never reported its lease lost"
                        )
                        let deleted = try #require(
                            try await otherWatch.first(within: .seconds(8)) {
                                if case .deleted = $0 { true } else { false }
                            },
                            "the majority side never saw the key go"
                        )
                        let ownWatchEnd = ContinuousClock.now + .seconds(10)
                        while ownWatch.ended == nil, ContinuousClock.now < ownWatchEnd {
                            try await Task.sleep(for: .milliseconds(20))
                        }
                        let ownWatchEndedAt = monotonicNow()
                        try network.heal(cut)
                        await otherWatch.cancel()
                        await ownWatch.cancel()
                        await events.cancel()

                        guard case .lost(.deadlinePassed(let deadline), let lostAt) = lost.element else {
                            Issue.record("lost for another reason: \(lost.element)")
                            return
                        }
                        let silent = ownWatch.events.contains { if case .deleted = $0.element { true } else { false } }
                        print(
                            "member cut off (nftables, TTL 2 s): keeper reported lost \((lostAt - cutAt).milliseconds) "
                                + "after the cut, \((deleted.at - lostAt).milliseconds) before the majority side saw "
                                + "the key deleted (\((deleted.at - cutAt).milliseconds) after the cut); the cut "
                                + "member's hasleader watch ended \((ownWatchEndedAt - cutAt).milliseconds) after the "
                                + "cut: \(ownWatch.ended ?? "still running")"
                        )
                        #expect(lostAt <= deleted.at, "the keeper reported its loss after the majority saw the key go")
                        #expect(lostAt - deadline < .milliseconds(100), "the keeper's timer fired late")
                        #expect(ownWatch.ended != nil, "the cut-off member's watch stayed open despite hasleader")
                        #expect(!silent, "the cut-off member cannot have seen the delete")
                    }
                }
            }
        }
    }
}
