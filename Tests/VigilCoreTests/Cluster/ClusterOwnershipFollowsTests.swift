import Testing
import VigilCore

/// Colocation: a follower (a floating address) is claimed only by the node that holds and runs the resource it
/// follows, and let go with it.
@Suite struct ClusterOwnershipFollowsTests {
    let now = MonotonicInstant(nanoseconds: 1_000_000_000)
    let follows = ["web-ip": "web"]
    let resources = ["web", "web-ip"]

    static func view(owners: [String: ClusterOwner] = [:], revision: Int64 = 100) -> ClusterView {
        let nodes = Dictionary(uniqueKeysWithValues: ["a", "b", "c"].map { ($0, ClusterNodeFigures()) })
        return ClusterView(nodes: nodes, owners: owners, revision: revision)
    }

    /// A node that holds `web` with token 42 under lease 7.
    func holdingWeb() -> ClusterOwnership {
        let me = ClusterOwnership.claimant(for: "web", among: Self.view().nodes) ?? ""
        var ownership = ClusterOwnership(node: me)
        _ = ownership.joined(lease: 7, ttl: .seconds(2), now: now)
        _ = ownership.observe(Self.view(), resources: resources, follows: follows, now: now)
        _ = ownership.claimAnswered("web", lease: 7, result: .written(token: 42), now: now)
        return ownership
    }

    @Test func theFollowerIsClaimedOnlyOnceItsFollowedResourceRunsHealthyOnTheNodeThatHoldsIt() {
        var ownership = holdingWeb()
        #expect(ownership.token(of: "web") == 42)
        let web = ClusterOwner(node: ownership.node, lease: 7, token: 42)
        // Held but not running healthy yet: the follower waits.
        #expect(ownership.claimFollowers(follows: follows, ready: []).isEmpty)
        #expect(
            ownership.observe(Self.view(owners: ["web": web]), resources: resources, follows: follows, now: now).isEmpty
        )
        // Running healthy: claimed, once.
        #expect(ownership.claimFollowers(follows: follows, ready: ["web"]) == [.claim(resource: "web-ip")])
        #expect(ownership.claimFollowers(follows: follows, ready: ["web"]).isEmpty)
        let won = ownership.claimAnswered("web-ip", lease: 7, result: .written(token: 43), now: now)
        #expect(won.contains(.start(resource: "web-ip", token: 43)))
    }

    @Test func noOtherNodeClaimsTheFollowerWhateverThePlacementSays() {
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
            #expect(ownership.claimFollowers(follows: follows, ready: ["web"]).isEmpty)
        }
    }

    @Test func aNodeThatLosesTheFollowedResourceReleasesTheFollowerWithIt() {
        var ownership = holdingWeb()
        _ = ownership.claimFollowers(follows: follows, ready: ["web"])
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
