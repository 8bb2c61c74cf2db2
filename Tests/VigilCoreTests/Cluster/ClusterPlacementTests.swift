import Testing
import VigilCore

/// The elected placer's decisions: the election, the five strategies over the live nodes, admission,
/// anti-affinity, draining and faulted nodes, planned moves one at a time, and a deposed placer writing nothing.
@Suite struct ClusterPlacementTests {
    let now = MonotonicInstant(nanoseconds: 1_000_000_000)
    static let gib: UInt64 = 1 << 30

    static func node(free: UInt64 = 8 * gib, cpus: Int = 4, load: Double = 0) -> ClusterNodeFigures {
        ClusterNodeFigures(freeMemory: free, cpus: cpus, load: load)
    }

    /// A view in which node `a` (lease 7) is the placer with token 10.
    static func view(
        _ nodes: [String: ClusterNodeFigures],
        owners: [String: String] = [:],
        assignments: [String: String] = [:],
        revision: Int64 = 100
    ) -> ClusterView {
        var view = ClusterView(
            nodes: nodes,
            owners: owners.mapValues { ClusterOwner(node: $0, lease: 1, token: 20) },
            revision: revision
        )
        view.placer = ClusterPlacerKey(node: "a", lease: 7, token: 10)
        view.assignments = assignments.mapValues { ClusterAssignment(node: $0, revision: 30) }
        return view
    }

    static func threeNodes() -> [String: ClusterNodeFigures] {
        ["a": node(), "b": node(), "c": node()]
    }

    /// Runs one view through the placer (node `a`, lease 7) and answers its write as applied.
    static func place(
        _ placement: inout ClusterPlacement,
        _ view: ClusterView,
        _ resources: [ClusterPlacement.Resource]
    ) -> (write: ClusterAssignmentWrite?, events: [Event]) {
        var write: ClusterAssignmentWrite?
        var events: [Event] = []
        for action in placement.observe(view, lease: 7, resources: resources, now: MonotonicInstant(nanoseconds: 1)) {
            switch action {
            case .assign(let planned):
                write = planned
                for answered in placement.assignAnswered(planned, revision: view.revision) {
                    if case .emit(let event) = answered { events.append(event) }
                }
            case .emit(let event):
                events.append(event)
            case .elect:
                Issue.record("stood for election with a placer in the view")
            }
        }
        return (write, events)
    }

    static func resource(
        _ name: String,
        _ rule: ClusterPlacementRule = ClusterPlacementRule()
    ) -> ClusterPlacement.Resource {
        ClusterPlacement.Resource(name: name, rule: rule)
    }

    @Test func aNodeStandsForElectionOnceWhenThereIsNoPlacerAndOnlyTheElectedOnePlans() {
        var placement = ClusterPlacement(node: "a")
        var view = Self.view(Self.threeNodes())
        view.placer = nil
        #expect(placement.observe(view, lease: 7, resources: [Self.resource("db")], now: now) == [.elect])
        #expect(placement.observe(view, lease: 7, resources: [Self.resource("db")], now: now).isEmpty)
        placement.electionAnswered()
        // Another node won: this one plans nothing.
        view.placer = ClusterPlacerKey(node: "b", lease: 8, token: 9)
        #expect(placement.observe(view, lease: 7, resources: [Self.resource("db")], now: now).isEmpty)
        #expect(placement.token == nil)
        // This node won: it says so once and assigns the ownerless resource.
        let (write, events) = Self.place(&placement, Self.view(Self.threeNodes()), [Self.resource("db")])
        #expect(events.map(\.kind) == [.placerElected])
        #expect(events.first?.fields["PLACER_TOKEN"] == "10")
        #expect(write?.token == 10 && write?.assignments.count == 1)
        #expect(placement.token == 10)
    }

    @Test func orderedTakesTheFirstEligibleNodeByName() {
        var placement = ClusterPlacement(node: "a")
        var nodes = Self.threeNodes()
        nodes["a"]?.hostFaults = ["memory.available"]
        let (write, _) = Self.place(&placement, Self.view(nodes), [Self.resource("db", .init(strategy: .ordered))])
        #expect(write?.assignments == ["db": "b"])
    }

    @Test func roundRobinGivesEachNewPlacementOfAResourceTheNextNode() {
        var placement = ClusterPlacement(node: "a")
        let db = [Self.resource("db", .init(strategy: .roundRobin))]
        var view = Self.view(Self.threeNodes())
        var chosen: [String] = []
        for _ in 0..<3 {
            let (write, _) = Self.place(&placement, view, db)
            let node = write?.assignments["db"] ?? "none"
            chosen.append(node)
            // The node it was assigned to is drained before it claimed it: placed again.
            view.drained = [node]
            view.assignments["db"] = ClusterAssignment(node: node, revision: view.revision)
            view.revision += 1
        }
        #expect(chosen == ["a", "b", "c"])
    }

    @Test func weightedFollowsTheNodesWeightsAndNeverChoosesWeightZero() {
        var placement = ClusterPlacement(node: "a")
        let rule = ClusterPlacementRule(strategy: .weighted, weights: ["a": 0, "b": 1, "c": 3])
        let (write, _) = Self.place(&placement, Self.view(Self.threeNodes()), [Self.resource("db", rule)])
        #expect(write?.assignments == ["db": "c"])
        let nodes = Self.threeNodes()
        var drained = Self.view(nodes, revision: 200)
        drained.drained = ["b", "c"]
        let (none, events) = Self.place(&placement, drained, [Self.resource("web", rule)])
        #expect(none == nil)
        #expect(events.first?.kind == .resourceUnplaceable)
    }

    @Test func leastLoadedTakesTheLeastPressuredThenTheNodeWithFewestResources() {
        var placement = ClusterPlacement(node: "a")
        var nodes = Self.threeNodes()
        nodes["a"]?.cpuPressure = 40
        let (write, _) = Self.place(
            &placement,
            Self.view(nodes, owners: ["web": "b"], assignments: ["web": "b"]),
            [Self.resource("web"), Self.resource("db")]
        )
        #expect(write?.assignments == ["db": "c"])
        // Several at once spread over the nodes.
        var fresh = ClusterPlacement(node: "a")
        let many = ["r1", "r2", "r3"].map { Self.resource($0) }
        let (spread, _) = Self.place(&fresh, Self.view(Self.threeNodes()), many)
        #expect(Set(spread?.assignments.values.map { $0 } ?? []) == ["a", "b", "c"])
    }

    @Test func leastResponseTakesTheNodeWithTheShortestRoundTripToEtcd() {
        var placement = ClusterPlacement(node: "a")
        var nodes = Self.threeNodes()
        nodes["a"]?.etcdRoundTripMilliseconds = 5
        nodes["b"]?.etcdRoundTripMilliseconds = 1.5
        nodes["c"]?.etcdRoundTripMilliseconds = 3
        let (write, _) = Self.place(
            &placement,
            Self.view(nodes),
            [Self.resource("db", .init(strategy: .leastResponse))]
        )
        #expect(write?.assignments == ["db": "b"])
    }

    @Test func aNodeWithoutRoomForTheReservationBeyondWhatIsPlacedThereIsSkipped() {
        var placement = ClusterPlacement(node: "a")
        let nodes = ["a": Self.node(free: 2 * Self.gib), "b": Self.node(free: 1 * Self.gib, cpus: 1, load: 0.5)]
        let big = ClusterPlacementRule(strategy: .ordered, reservation: ResourceReservation(memory: .bytes(Self.gib)))
        // `a` has 2 GiB free but 1.5 GiB is promised to `cache`, placed there.
        let cacheRule = ClusterPlacementRule(reservation: ResourceReservation(memory: .bytes(3 * Self.gib / 2)))
        let resources = [Self.resource("cache", cacheRule), Self.resource("db", big)]
        let (write, _) = Self.place(
            &placement,
            Self.view(nodes, owners: ["cache": "a"], assignments: ["cache": "a"]),
            resources
        )
        #expect(write?.assignments == ["db": "b"])
        // CPU: b has 0.5 of a core idle.
        var cpuPlacement = ClusterPlacement(node: "a")
        let cpu = ClusterPlacementRule(strategy: .ordered, reservation: ResourceReservation(cpu: 1))
        let onlyB = ["a": Self.node(free: 2 * Self.gib), "b": Self.node(cpus: 1, load: 0.5)]
        var view = Self.view(onlyB)
        view.drained = ["a"]
        let (none, events) = Self.place(&cpuPlacement, view, [Self.resource("db", cpu)])
        #expect(none == nil)
        #expect(events.map(\.kind) == [.placerElected, .resourceUnplaceable])
        let reason = events.last?.fields["REASON"] ?? ""
        #expect(reason.contains("a (draining)") && reason.contains("b (not admitted: needs 1 core of idle CPU"))
        // The same reason is reported once.
        view.revision += 1
        #expect(Self.place(&cpuPlacement, view, [Self.resource("db", cpu)]).events.isEmpty)
    }

    @Test func antiAffinityKeepsTwoResourcesApartWhicheverNamesTheOther() {
        var placement = ClusterPlacement(node: "a")
        let nodes = ["a": Self.node(), "b": Self.node()]
        let apart = ClusterPlacementRule(strategy: .ordered, antiAffinity: ["primary"])
        let resources = [Self.resource("primary", .init(strategy: .ordered)), Self.resource("replica", apart)]
        let (write, _) = Self.place(&placement, Self.view(nodes), resources)
        #expect(write?.assignments == ["primary": "a", "replica": "b"])
        // `primary`'s node is drained before it claimed it; the only other node holds `replica`, which named it:
        // `primary` stays unplaced, until a third node joins.
        var lost = Self.view(nodes, owners: ["replica": "b"], assignments: ["primary": "a", "replica": "b"])
        lost.drained = ["a"]
        lost.revision = 300
        let (none, events) = Self.place(&placement, lost, resources)
        #expect(none == nil)
        let unplaceable = events.first { $0.kind == .resourceUnplaceable }
        #expect(unplaceable?.fields["REASON"] == "a (draining), b (anti-affinity with replica)")
        lost.nodes["c"] = Self.node()
        lost.revision = 301
        #expect(Self.place(&placement, lost, resources).write?.assignments == ["primary": "c"])
    }

    @Test func drainingAndFaultedNodesGetNothingNewAndKeepTheirRunningResources() {
        var placement = ClusterPlacement(node: "a")
        var view = Self.view(Self.threeNodes(), owners: ["web": "b"], assignments: ["web": "b", "db": "b"])
        view.nodes["b"]?.hostFaults = ["psi.memory"]
        view.drained = ["c"]
        let (write, _) = Self.place(&placement, view, [Self.resource("web"), Self.resource("db")])
        // db's assignment to the faulted b is replaced; web keeps running on b (a fault takes nothing away).
        #expect(write?.assignments == ["db": "a"])
    }

    @Test func aDrainMovesOneResourceAtATimeAndOnlyOnceTheLastOneLanded() {
        var placement = ClusterPlacement(node: "a")
        let resources = ["r1", "r2"].map { Self.resource($0, .init(strategy: .ordered)) }
        var view = Self.view(Self.threeNodes(), owners: ["r1": "c", "r2": "c"], assignments: ["r1": "c", "r2": "c"])
        view.drained = ["c"]
        let (first, events) = Self.place(&placement, view, resources)
        #expect(first?.assignments == ["r1": "a"])
        let moved = events.first { $0.kind == .resourceMoved }
        #expect(moved?.target == "r1" && moved?.fields["FROM"] == "c" && moved?.fields["TO"] == "a")
        // r1 is stopping on c: nothing else moves.
        view.assignments["r1"] = ClusterAssignment(node: "a", revision: 101)
        view.revision = 101
        #expect(Self.place(&placement, view, resources).write == nil)
        // Released on c, not yet claimed on a: still nothing.
        view.owners["r1"] = nil
        view.revision = 102
        #expect(Self.place(&placement, view, resources).write == nil)
        // Claimed on a, not yet running there: still nothing.
        view.owners["r1"] = ClusterOwner(node: "a", lease: 7, token: 103)
        view.revision = 103
        #expect(Self.place(&placement, view, resources).write == nil)
        // Running on a (its owner says so): r2 goes next.
        view.running["r1"] = "a:103"
        view.revision = 104
        #expect(Self.place(&placement, view, resources).write?.assignments == ["r2": "a"])
    }

    @Test func aMoveRequestGoesToTheNodeAskedOrElseTheBestOtherAndIsCleared() {
        var placement = ClusterPlacement(node: "a")
        let resources = [Self.resource("db", .init(strategy: .ordered))]
        var view = Self.view(Self.threeNodes(), owners: ["db": "a"], assignments: ["db": "a"])
        view.moves = ["db": "c"]
        let (write, events) = Self.place(&placement, view, resources)
        #expect(write?.assignments == ["db": "c"] && write?.clearedMoves == ["db"])
        #expect(events.contains { $0.kind == .resourceMoved && $0.fields["REASON"] == "asked by an operator" })
        var best = ClusterPlacement(node: "a")
        view.moves = ["db": ""]
        #expect(Self.place(&best, view, resources).write?.assignments == ["db": "b"])
    }

    @Test func aFollowerGoesWhereItsLeaderIs() {
        var placement = ClusterPlacement(node: "a")
        let resources = [
            Self.resource("web", .init(strategy: .ordered)),
            Self.resource("address", .init(strategy: .ordered, follows: "web")),
        ]
        var view = Self.view(
            Self.threeNodes(),
            owners: ["web": "b", "address": "b"],
            assignments: ["web": "b", "address": "b"]
        )
        view.moves = ["web": "c"]
        let (write, _) = Self.place(&placement, view, resources)
        #expect(write?.assignments == ["web": "c", "address": "c"])
    }

    @Test func aDeposedPlacerWritesNothingAndAnsweredWritesOfAnOldTokenAreIgnored() {
        var placement = ClusterPlacement(node: "a")
        let resources = [Self.resource("db")]
        guard let write = Self.place(&placement, Self.view(Self.threeNodes()), resources).write else {
            Issue.record("the placer assigned nothing")
            return
        }
        // Its lease expired and another node won: the key's owner and token changed.
        var view = Self.view(Self.threeNodes(), revision: 500)
        view.placer = ClusterPlacerKey(node: "b", lease: 8, token: 400)
        #expect(placement.observe(view, lease: 7, resources: resources, now: now).isEmpty)
        #expect(placement.token == nil)
        // The transaction of the old token was refused by etcd: no event.
        #expect(placement.assignAnswered(write, revision: nil).isEmpty)
        // Elected again with a new lease and token: a new term, announced.
        view.placer = ClusterPlacerKey(node: "a", lease: 9, token: 600)
        let actions = placement.observe(view, lease: 9, resources: resources, now: now)
        guard case .assign(let fresh)? = actions.last else {
            Issue.record("no assignment after the re-election: \(actions)")
            return
        }
        #expect(fresh.token == 600)
    }

    @Test func theClusterStatusShowsThePlacerAssignmentsPendingMovesAndDrainsAsTextJSONAndMetrics() throws {
        var view = Self.view(
            ["a": Self.node(), "b": Self.node()],
            owners: ["web": "a", "db": "a"],
            assignments: ["web": "a", "db": "b"]
        )
        view.leases = ["a": 0x694d, "b": 0x7a1]
        view.drained = ["a"]
        view.moves = ["web": ""]
        var status = ClusterStatus(
            node: "b",
            lease: "7a1",
            leaseTTLSeconds: 2,
            etcdReachable: true,
            nodes: view.nodes.sorted { $0.key < $1.key }.map { ClusterStatus.Node(name: $0.key, figures: $0.value) },
            resources: []
        )
        status.placement = ClusterPlacementStatus(view: view, resources: ["web", "db", "cache"])
        let placement = try #require(status.placement)
        #expect(placement.placer == ClusterPlacementStatus.Placer(node: "a", token: 10))
        #expect(placement.resources.map(\.state) == ["running", "moving", "unplaced"])
        #expect(placement.pendingMoves.map(\.name) == ["db"])
        #expect(placement.moveRequests == [ClusterPlacementStatus.MoveRequest(resource: "web", node: nil)])
        let text = ClusterStatusTable.render(status)
        #expect(text.contains("placer: a (placer token 10)"), "\(text)")
        #expect(text.contains("draining") && text.contains("694d") && text.contains("move requests: web → best node"))
        var snapshot = MetricsSnapshot(startTimeSeconds: 0)
        snapshot.cluster = status
        let metrics = PrometheusText.render(snapshot)
        #expect(metrics.contains("vigil_cluster_placer 0\n"), "\(metrics)")
        #expect(metrics.contains("vigil_cluster_node_draining{node=\"a\"} 1\n"))
        #expect(metrics.contains("vigil_cluster_resource_state{target=\"db\",state=\"moving\"} 1\n"))
        #expect(metrics.contains("vigil_cluster_pending_moves 2\n"))
    }
}
