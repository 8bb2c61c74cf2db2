import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

extension EtcdClusterTests {
    /// The elected placer with three real vigild nodes (each in the network namespace of its own etcd member, lease
    /// TTL 2 s) and several cluster resources, each stamping its starts and stops into its own file: drains, moves,
    /// `vigilctl cluster status --json`, the placer's node killed, and anti-affinity across a node's loss. The
    /// checker of `ClusterNodeTests` runs on every resource: intervals never overlap, tokens strictly increase.
    @Suite struct ClusterPlacementNodeTests {
        @Test func aDrainMovesEveryResourceOffItsNodeOneAtATimeAndUndrainAndMoveBringOneBack() async throws {
            let names = ["r1", "r2", "r3"]
            try await withPlacementNodes(names.map { ($0, "placement = \"ordered\"") }) { nodes, stamps, _ in
                var first: [String: ResourceStamps.Stamp] = [:]
                for name in names {
                    first[name] = try await stamps[name]?.waitForStart(count: 1)
                }
                // The node running the most resources (ordered placement puts them together).
                let counts = Dictionary(grouping: first.values, by: \.node).mapValues(\.count)
                let drained = try #require(counts.max { ($0.value, $1.key) < ($1.value, $0.key) }?.key)
                let asker = try #require(nodes.first { $0.name != drained })
                let answer = try await vigilctl(asker, ["cluster", "drain", drained])
                #expect(answer.status == 0, "\(answer.err)")
                #expect(answer.out.contains("node \(drained) draining"), "\(answer.out)")
                let event = try await asker.vigild.waitForEvent(.nodeDraining)
                #expect(event.fields["VIGIL_NODE"] == drained)

                let moving = names.filter { first[$0]?.node == drained }
                var moves: [(resource: String, stoppedAt: MonotonicInstant, started: ResourceStamps.Stamp)] = []
                for name in moving {
                    let resource = try #require(stamps[name])
                    let second = try await resource.waitForStart(count: 2, timeout: .seconds(60))
                    let token = try #require(first[name]?.token)
                    let stop = try #require(resource.stamps.first { $0.kind == "stop" && $0.token == token })
                    #expect(second.node != drained && second.token > token)
                    moves.append((name, stop.at, second))
                }
                // One at a time: each resource stopped on the drained node only after the one before had started
                // on its new node.
                moves.sort { $0.stoppedAt < $1.stoppedAt }
                for (earlier, later) in zip(moves, moves.dropFirst()) {
                    #expect(
                        earlier.started.at <= later.stoppedAt,
                        "\(later.resource) stopped before \(earlier.resource) had started elsewhere"
                    )
                }
                for move in moves {
                    print(
                        "ClusterPlacementNodeTests: drain of \(drained): \(move.resource) started on "
                            + "\(move.started.node) \((move.started.at - move.stoppedAt).milliseconds) after its stop"
                    )
                }
                for name in names {
                    try stamps[name]?.check(killed: nil)
                }

                // vigilctl cluster status --json on the asker: the drain, the placer, every resource away from the
                // drained node with its current token, three nodes with their leases.
                let status = try await waitForClusterStatus(asker, "a settled status after the drain") { status in
                    let settled = status.placement?.resources.allSatisfy { $0.state == "running" } ?? false
                    return settled && status.placement?.drained == [drained] ? status : nil
                }
                let placement = try #require(status.placement)
                #expect(status.nodes.map(\.name) == ["n1", "n2", "n3"])
                #expect(Set(placement.leases.keys) == ["n1", "n2", "n3"])
                #expect(placement.placer != nil)
                #expect(placement.moveRequests.isEmpty)
                for name in names {
                    let latest = try #require(stamps[name]?.stamps.last { $0.kind == "start" })
                    let resource = try #require(placement.resources.first { $0.name == name })
                    #expect(resource.owner == latest.node && resource.assigned == latest.node)
                    #expect(resource.fencingToken == latest.token && resource.owner != drained)
                }
                let placer = try #require(nodes.first { $0.name == placement.placer?.node })
                #expect(Set(placer.vigild.events(.resourceMoved).compactMap(\.target)) == Set(moving))
                let table = try await vigilctl(asker, ["cluster", "status"])
                #expect(table.status == 0 && table.out.contains("draining"), "\(table.out)")

                // Undrained, it takes r1 back when asked.
                let undrain = try await vigilctl(asker, ["cluster", "undrain", drained])
                #expect(undrain.status == 0, "\(undrain.err)")
                try await asker.vigild.waitForEvent(.nodeUndrained)
                let r1 = try #require(stamps["r1"])
                let starts = r1.stamps.filter { $0.kind == "start" }.count
                let move = try await vigilctl(asker, ["cluster", "move", "r1", drained])
                #expect(move.status == 0, "\(move.err)")
                let back = try await r1.waitForStart(count: starts + 1, timeout: .seconds(60))
                #expect(back.node == drained)
                try r1.check(killed: nil)
                let refused = try await vigilctl(asker, ["cluster", "move", "r1", "nowhere"])
                #expect(refused.status != 0 && refused.err.contains("nowhere is not a live node"), "\(refused.err)")
            }
        }

        @Test func thePlacersNodeKilledHasAnotherNodeElectedThatGoesOnPlacing() async throws {
            try await withPlacementNodes([("r1", ""), ("r2", "")]) { nodes, stamps, _ in
                var first: [String: ResourceStamps.Stamp] = [:]
                for name in ["r1", "r2"] {
                    first[name] = try await stamps[name]?.waitForStart(count: 1)
                }
                let old = try await waitForClusterStatus(nodes[0], "a placer") { $0.placement?.placer }
                let killed = try #require(nodes.firstIndex { $0.name == old.node })
                nodes[killed].vigild.killWithTargets()
                let killedAt = MonotonicClock.now()
                let survivors = nodes.indices.filter { $0 != killed }.map { nodes[$0] }
                let elected = try await survivors[0].vigild.waitFor("a new placer", timeout: .seconds(60)) { _ in
                    survivors.lazy.compactMap { $0.vigild.events(.placerElected).last }.first
                }
                let token = try #require(Int64(elected.fields["VIGIL_PLACER_TOKEN"] ?? ""))
                #expect(token > old.token)
                #expect(elected.fields["VIGIL_NODE"] != old.node)
                // What ran on the killed node runs on a survivor.
                for name in ["r1", "r2"] where first[name]?.node == old.node {
                    let resource = try #require(stamps[name])
                    let second = try await resource.waitForStart(count: 2, timeout: .seconds(60))
                    #expect(second.node != old.node)
                    try resource.check(killed: (old.node, first[name]?.token ?? 0, killedAt))
                }
                // The new placer carries out a move.
                let r1 = try #require(stamps["r1"])
                let current = try #require(r1.stamps.last { $0.kind == "start" })
                let other = try #require(survivors.first { $0.name != current.node })
                let starts = r1.stamps.filter { $0.kind == "start" }.count
                let move = try await vigilctl(survivors[0], ["cluster", "move", "r1", other.name])
                #expect(move.status == 0, "\(move.err)")
                let moved = try await r1.waitForStart(count: starts + 1, timeout: .seconds(60))
                #expect(moved.node == other.name && moved.token > current.token)
                try r1.check(
                    killed: first["r1"]?.node == old.node ? (old.node, first["r1"]?.token ?? 0, killedAt) : nil
                )
            }
        }

        @Test func antiAffinityHoldsAcrossANodesLossWhenAThirdNodeExists() async throws {
            let resources = [
                ("primary", "placement = \"ordered\""),
                ("replica", "placement = \"ordered\"\nanti_affinity = [\"primary\"]"),
            ]
            try await withPlacementNodes(resources) { nodes, stamps, _ in
                let primary = try #require(stamps["primary"])
                let replica = try #require(stamps["replica"])
                let first = try await primary.waitForStart(count: 1)
                let apart = try await replica.waitForStart(count: 1)
                #expect(first.node != apart.node)
                let owner = try #require(nodes.firstIndex { $0.name == first.node })
                nodes[owner].vigild.killWithTargets()
                let killedAt = MonotonicClock.now()
                let second = try await primary.waitForStart(count: 2, timeout: .seconds(60))
                #expect(second.node != first.node && second.node != apart.node)
                try primary.check(killed: (first.node, first.token, killedAt))
                #expect(replica.stamps.count == 1, "the replica moved: \(replica.stamps)")
            }
        }
    }
}

/// `vigilctl ARGUMENTS --socket SOCKET` against a node's vigild, run off the cooperative pool.
func vigilctl(_ node: ClusterNode, _ arguments: [String]) async throws -> (status: Int32, out: String, err: String) {
    let full = arguments + ["--socket", node.vigild.controlSocket]
    return try await Blocking.run { try ProcessProbe.run(VigildProcess.siblingExecutable("vigilctl"), full) }
}

/// Polls `vigilctl cluster status --json` of a node until `condition` answers a value.
/// - Throws: `ClusterNodeTestError` with the last status (or vigilctl's error) after `timeout`.
func waitForClusterStatus<T>(
    _ node: ClusterNode,
    _ what: String,
    timeout: Duration = .seconds(30),
    _ condition: (ClusterStatus) -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    var last = "nothing yet"
    while ContinuousClock.now < deadline {
        let run = try await vigilctl(node, ["cluster", "status", "--json"])
        if run.status == 0, let status = try? JSONDecoder().decode(ClusterStatus.self, from: Data(run.out.utf8)) {
            if let value = condition(status) {
                return value
            }
            last = run.out
        } else {
            last = "exit \(run.status): \(run.err)"
        }
        try await Task.sleep(for: .milliseconds(200))
    }
    throw ClusterNodeTestError("no \(what) on \(node.name) within \(timeout); last status: \(last)")
}

/// Starts three etcd members in network namespaces and a vigild in each member's namespace (its own member first),
/// all configured with the same cluster resources (`settings` are extra keys of each resource's target), each
/// resource stamping into its own file; runs `body`; stops every vigild (and what it started), member and namespace
/// whether `body` passed or threw.
func withPlacementNodes(
    _ resources: [(name: String, settings: String)],
    leaseTTL: String = "2s",
    _ body: ([ClusterNode], [String: ResourceStamps], EtcdCluster) async throws -> Void
) async throws {
    try await withEtcdCluster(inNamespaces: true) { cluster in
        let network = try #require(cluster.network)
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let script = directory + "/resource.py"
        try clusterResourceScript.write(toFile: script, atomically: true, encoding: .utf8)
        // Each resource stamps into its own file and writes to an external register of its own with its token.
        var stamps: [String: ResourceStamps] = [:]
        var registers: [FencingRegister] = []
        defer {
            for register in registers {
                register.stop()
            }
        }
        for resource in resources {
            let registerDirectory = directory + "/\(resource.name).register"
            try FileManager.default.createDirectory(atPath: registerDirectory, withIntermediateDirectories: true)
            let register = try await FencingRegister(directory: registerDirectory)
            registers.append(register)
            var resourceStamps = ResourceStamps(path: directory + "/\(resource.name).stamps")
            resourceStamps.register = register
            stamps[resource.name] = resourceStamps
        }
        let prefix = EtcdCluster.testPrefix()
        var nodes: [ClusterNode] = []
        defer { stopNodes(nodes) }
        for index in cluster.endpoints.indices {
            let name = "n\(index + 1)"
            var config = cluster.clusterTable(node: index, leaseTTL: leaseTTL, prefix: prefix)
            for resource in resources {
                let path = stamps[resource.name]?.path ?? ""
                let register = stamps[resource.name]?.register?.path ?? ""
                config += """

                    [[target]]
                    name = "\(resource.name)"
                    exec = ["/usr/bin/python3", "\(script)", "\(path)", "\(name)", "\(register)"]
                    stop_timeout = "500ms"
                    cluster = true
                    restart = { burst = 2, within = "60s", backoff = "100ms..200ms" }
                    \(resource.settings)

                    """
            }
            let vigild = try VigildProcess(config: config, launcher: network.launcher(index))
            nodes.append(ClusterNode(name: name, vigild: vigild, network: network))
        }
        do {
            try await body(nodes, stamps, cluster)
        } catch {
            let all = stamps.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.stamps)" }
            throw ClusterNodeTestError(
                "\(error)\n\(nodeLogs(nodes, last: 60))\nstamps:\n\(all.joined(separator: "\n"))"
            )
        }
    }
}
