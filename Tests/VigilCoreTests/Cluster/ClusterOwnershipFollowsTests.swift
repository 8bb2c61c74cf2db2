import Testing
import VigilCore

/// Colocation: a follower (a floating address) is claimed only by the node it is assigned to (the placer puts it
/// where its leader is) once that node holds and runs the resource it follows, and it is let go with it.
@Suite struct ClusterOwnershipFollowsTests {
    let now = MonotonicInstant(nanoseconds: 1_000_000_000)
    let follows = ["web-ip": "web"]
    let resources = ["web", "web-ip"]

    /// The placer's choice for `web` and, with it, `web-ip`.
    static let holder = "b"

    static func view(owners: [String: ClusterOwner] = [:], revision: Int64 = 100) -> ClusterView {
        let nodes = Dictionary(uniqueKeysWithValues: ["a", "b", "c"].map { ($0, ClusterNodeFigures()) })
        var view = ClusterView(nodes: nodes, owners: owners, revision: revision)
        view.assignments = [
            "web": ClusterAssignment(node: holder, revision: 10),
            "web-ip": ClusterAssignment(node: holder, revision: 11),
        ]
        return view
    }

    /// The node that holds `web` with token 42 under lease 7.
    func holdingWeb() -> ClusterOwnership {
        var ownership = ClusterOwnership(node: Self.holder)
        _ = ownership.joined(lease: 7, ttl: .seconds(2), now: now)
        _ = ownership.observe(Self.view(), resources: resources, follows: follows, now: now)
        _ = ownership.claimAnswered("web", lease: 7, result: .written(token: 42), now: now)
        return ownership
    }

    /// The resources the view assigns to `node`.
    func assigned(to node: String) -> Set<String> {
        Set(Self.view().assignments.filter { $0.value.node == node }.keys)
    }

    @Test func theFollowerIsClaimedOnlyOnceItsFollowedResourceRunsHealthyOnTheNodeThatHoldsIt() {
        var ownership = holdingWeb()
        #expect(ownership.token(of: "web") == 42)
        let web = ClusterOwner(node: ownership.node, lease: 7, token: 42)
        // Held but not running healthy yet: the follower waits.
        #expect(ownership.claimFollowers(follows: follows, ready: [], assignedHere: ["web", "web-ip"]).isEmpty)
        #expect(
            ownership.observe(Self.view(owners: ["web": web]), resources: resources, follows: follows, now: now).isEmpty
        )
        // Running healthy: claimed, once.
        #expect(
            ownership.claimFollowers(follows: follows, ready: ["web"], assignedHere: assigned(to: ownership.node)) == [
                .claim(resource: "web-ip")
            ]
        )
        #expect(
            ownership.claimFollowers(follows: follows, ready: ["web"], assignedHere: assigned(to: ownership.node))
                .isEmpty
        )
        let won = ownership.claimAnswered("web-ip", lease: 7, result: .written(token: 43), now: now)
        #expect(won.contains(.start(resource: "web-ip", token: 43)))
    }

    @Test func noOtherNodeClaimsTheFollower() {
        let holder = holdingWeb().node
        for other in ["a", "b", "c"] where other != holder {
            var ownership = ClusterOwnership(node: other)
            _ = ownership.joined(lease: 9, ttl: .seconds(2), now: now)
            let web = ClusterOwner(node: holder, lease: 7, token: 42)
            let actions = ownership.observe(
                Self.view(owners: ["web": web]),
                resources: resources,
                follows: follows,
                ready: ["web"],
                now: now
            )
            #expect(actions.isEmpty)
            #expect(
                ownership.claimFollowers(follows: follows, ready: ["web"], assignedHere: assigned(to: ownership.node))
                    .isEmpty
            )
        }
    }

    @Test func aNodeThatLosesTheFollowedResourceReleasesTheFollowerWithIt() {
        var ownership = holdingWeb()
        _ = ownership.claimFollowers(follows: follows, ready: ["web"], assignedHere: assigned(to: ownership.node))
        _ = ownership.claimAnswered("web-ip", lease: 7, result: .written(token: 43), now: now)
        // web's owner key now names another node: web stops, and web-ip is stopped and its key deleted.
        let view = Self.view(owners: [
            "web": ClusterOwner(node: "z", lease: 3, token: 50),
            "web-ip": ClusterOwner(node: ownership.node, lease: 7, token: 43),
        ])
        let actions = ownership.observe(view, resources: ["web-ip", "web"], follows: follows, now: now)
        let stops = actions.compactMap { action -> String? in
            if case .stop(let resource, _) = action { return resource }
            return nil
        }
        #expect(stops == ["web", "web-ip"])
        #expect(actions.contains(.release(resource: "web-ip", token: 43)))
        #expect(ownership.token(of: "web-ip") == nil && ownership.token(of: "web") == nil)
    }
}
