import Testing
import VigilCluster
import VigilCore
import VigilTestSupport

extension EtcdClusterTests {
    /// The etcd client against a real three-member etcd cluster (Debian's etcd-server 3.4) on loopback.
    @Suite struct EtcdClientTests {
        @Test func putGetListAndDeleteRoundTripThroughTheCluster() async throws {
            try await withEtcdCluster { cluster in
                try await withEtcdClient(cluster.endpoints) { client in
                    #expect(try await client.get("/vigil/test/a") == nil)
                    var started = monotonicNow()
                    let revision = try await client.put("/vigil/test/a", value: "one")
                    let putLatency = monotonicNow() - started
                    started = monotonicNow()
                    let read = try #require(try await client.get("/vigil/test/a"))
                    let getLatency = monotonicNow() - started
                    #expect(read.value == "one")
                    #expect(read.modRevision == revision)
                    #expect(read.createRevision == revision)
                    #expect(read.version == 1)

                    try await client.put("/vigil/test/b", value: "two")
                    try await client.put("/vigil/testing", value: "not under the prefix")
                    let listed = try await client.list(prefix: "/vigil/test/")
                    #expect(listed.keys.map(\.key) == ["/vigil/test/a", "/vigil/test/b"])
                    #expect(listed.keys.map(\.value) == ["one", "two"])
                    #expect(listed.revision > revision)

                    started = monotonicNow()
                    #expect(try await client.delete("/vigil/test/a"))
                    let deleteLatency = monotonicNow() - started
                    #expect(try await client.get("/vigil/test/a") == nil)
                    #expect(try await client.delete("/vigil/test/a") == false, "a second delete finds nothing")
                    print(
                        "etcd latencies (3 members, loopback): put \(putLatency.milliseconds), "
                            + "linearizable get \(getLatency.milliseconds), delete \(deleteLatency.milliseconds)"
                    )
                }
            }
        }

        @Test func aClaimIsRefusedOnceTakenAndAStaleFencingTokenIsRefused() async throws {
            try await withEtcdCluster { cluster in
                try await withEtcdClient(cluster.endpoints) { client in
                    let owner = "/vigil/resources/web/owner"
                    let claim = try await client.put(owner, value: "node-a", if: .absent(key: owner))
                    guard case .written(let tokenA) = claim else {
                        Issue.record("the first claim was refused: \(claim)")
                        return
                    }
                    let second = try await client.put(owner, value: "node-b", if: .absent(key: owner))
                    guard case .refused(let current) = second else {
                        Issue.record("a second claim of a held key was written: \(second)")
                        return
                    }
                    #expect(current?.value == "node-a")
                    #expect(current?.modRevision == tokenA)

                    // The owner writes for its resource while its token is the owner key's revision.
                    let guarded = try await client.put(
                        "/vigil/resources/web/state",
                        value: "running on node-a",
                        if: .modRevision(key: owner, equals: tokenA)
                    )
                    if case .refused = guarded {
                        Issue.record("the owner's guarded write was refused")
                    }

                    // Node a loses the key (its lease expired), node b claims it: a's token is now stale.
                    try await client.delete(owner)
                    guard
                        case .written(let tokenB) = try await client.put(
                            owner,
                            value: "node-b",
                            if: .absent(key: owner)
                        )
                    else {
                        Issue.record("node b could not claim the freed key")
                        return
                    }
                    #expect(tokenB > tokenA, "fencing tokens increase across owners")
                    let stale = try await client.put(
                        "/vigil/resources/web/state",
                        value: "running on node-a",
                        if: .modRevision(key: owner, equals: tokenA)
                    )
                    #expect(stale == .refused(current: try await client.get(owner)))
                    #expect(try await client.get("/vigil/resources/web/state")?.value == "running on node-a")
                    #expect(try await client.get(owner)?.modRevision == tokenB)
                }
            }
        }
    }
}
