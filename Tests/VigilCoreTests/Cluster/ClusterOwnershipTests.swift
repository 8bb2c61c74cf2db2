import Testing
import VigilCore

/// Which cluster resources a node runs: claims, starts, stops on lost ownership and on a lost lease, never a start
/// without a claim under the current lease.
@Suite struct ClusterOwnershipTests {
    let now = MonotonicInstant(nanoseconds: 1_000_000_000)

    /// The live `nodes` and `owners`, with `db` assigned by the placer to its owner, or else to `claimant`.
    static func view(nodes: [String], owners: [String: ClusterOwner] = [:]) -> ClusterView {
        var view = ClusterView(
            nodes: Dictionary(uniqueKeysWithValues: nodes.map { ($0, ClusterNodeFigures()) }),
            owners: owners
        )
        if let node = owners["db"]?.node ?? (nodes.isEmpty ? nil : claimant("db", among: nodes)) {
            view.assignments["db"] = ClusterAssignment(node: node, revision: 2)
        }
        return view
    }

    /// A node chosen for `resource` among `nodes` by a stable hash: stands for the placer's choice.
    static func claimant(_ resource: String, among nodes: [String] = ["a", "b", "c"]) -> String {
        let sorted = nodes.sorted()
        return sorted[resource.utf8.reduce(0) { $0 + Int($1) } % sorted.count]
    }

    @Test func theChosenNodeClaimsAnOwnerlessResourceAndStartsItOnlyWithItsToken() {
        let me = Self.claimant("db")
        var ownership = ClusterOwnership(node: me)
        _ = ownership.joined(lease: 7, ttl: .seconds(2), now: now)
        let actions = ownership.observe(Self.view(nodes: ["a", "b", "c"]), resources: ["db"], now: now)
        #expect(actions == [.claim(resource: "db")])
        #expect(ownership.token(of: "db") == nil)
        // A second view while the claim is out claims nothing again.
        #expect(ownership.observe(Self.view(nodes: ["a", "b", "c"]), resources: ["db"], now: now).isEmpty)
        let answered = ownership.claimAnswered("db", lease: 7, result: .written(token: 42), now: now)
        #expect(answered.contains(.start(resource: "db", token: 42)))
        #expect(ownership.token(of: "db") == 42)
    }

    @Test func otherNodesLeaveTheResourceToTheChosenOneAndNoNodeStartsWhatAnotherOwns() {
        let chosen = Self.claimant("db")
        for other in ["a", "b", "c"] where other != chosen {
            var ownership = ClusterOwnership(node: other)
            _ = ownership.joined(lease: 9, ttl: .seconds(2), now: now)
            #expect(ownership.observe(Self.view(nodes: ["a", "b", "c"]), resources: ["db"], now: now).isEmpty)
            let owned = Self.view(
                nodes: ["a", "b", "c"],
                owners: ["db": ClusterOwner(node: chosen, lease: 3, token: 5)]
            )
            #expect(ownership.observe(owned, resources: ["db"], now: now).isEmpty)
        }
    }

    @Test func aRefusedClaimStartsNothingUnlessTheKeyIsThisLeasesOwn() {
        let me = Self.claimant("db")
        var ownership = ClusterOwnership(node: me)
        _ = ownership.joined(lease: 7, ttl: .seconds(2), now: now)
        _ = ownership.observe(Self.view(nodes: ["a", "b", "c"]), resources: ["db"], now: now)
        let taken = ClusterOwner(node: "z", lease: 1, token: 3)
        #expect(ownership.claimAnswered("db", lease: 7, result: .refused(owner: taken), now: now).isEmpty)
        _ = ownership.observe(Self.view(nodes: ["a", "b", "c"]), resources: ["db"], now: now)
        // A timed-out claim retried on another member is refused by its own first write: that one counts.
        let mine = ClusterOwner(node: me, lease: 7, token: 11)
        let actions = ownership.claimAnswered("db", lease: 7, result: .refused(owner: mine), now: now)
        #expect(actions.contains(.start(resource: "db", token: 11)))
    }

    @Test func anAnswerFromAnEarlierLeaseIsIgnored() {
        let me = Self.claimant("db")
        var ownership = ClusterOwnership(node: me)
        _ = ownership.joined(lease: 7, ttl: .seconds(2), now: now)
        _ = ownership.observe(Self.view(nodes: ["a", "b", "c"]), resources: ["db"], now: now)
        _ = ownership.leaseLost(reason: "deadline passed", now: now)
        _ = ownership.joined(lease: 8, ttl: .seconds(2), now: now)
        #expect(ownership.claimAnswered("db", lease: 7, result: .written(token: 20), now: now).isEmpty)
        #expect(ownership.token(of: "db") == nil)
    }

    @Test func aLostLeaseStopsEveryResourceHeldAndSaysSo() {
        let me = Self.claimant("db")
        var ownership = ClusterOwnership(node: me)
        _ = ownership.joined(lease: 7, ttl: .seconds(2), now: now)
        _ = ownership.observe(Self.view(nodes: ["a", "b", "c"]), resources: ["db"], now: now)
        _ = ownership.claimAnswered("db", lease: 7, result: .written(token: 42), now: now)
        let actions = ownership.leaseLost(reason: "no keepalive acknowledged in time", now: now)
        #expect(actions.contains(.stop(resource: "db", reason: "self-fence: no keepalive acknowledged in time")))
        let fenced = actions.compactMap { action -> Event? in
            if case .emit(let event) = action, event.kind == .selfFenced { return event }
            return nil
        }
        #expect(fenced.first?.fields["RESOURCES"] == "db")
        #expect(ownership.token(of: "db") == nil && ownership.lease == nil)
        // Without a lease nothing is claimed, whatever the views say.
        #expect(ownership.observe(Self.view(nodes: ["a", "b", "c"]), resources: ["db"], now: now).isEmpty)
    }

    @Test func ownershipTakenOrGoneStopsTheResourceHere() {
        let me = Self.claimant("db")
        var ownership = ClusterOwnership(node: me)
        _ = ownership.joined(lease: 7, ttl: .seconds(2), now: now)
        _ = ownership.observe(Self.view(nodes: ["a", "b", "c"]), resources: ["db"], now: now)
        _ = ownership.claimAnswered("db", lease: 7, result: .written(token: 42), now: now)
        let held = Self.view(nodes: ["a", "b", "c"], owners: ["db": ClusterOwner(node: me, lease: 7, token: 42)])
        #expect(ownership.observe(held, resources: ["db"], now: now).isEmpty)
        var later = Self.view(nodes: ["a", "b", "c"])
        later.revision = 50
        let gone = ownership.observe(later, resources: ["db"], now: now)
        #expect(gone.contains(.stop(resource: "db", reason: "cluster ownership lost: its owner key is gone")))
        #expect(ownership.token(of: "db") == nil)
    }

    @Test func aViewReadBeforeTheClaimWasWrittenDoesNotStopTheResource() {
        let me = Self.claimant("db")
        var ownership = ClusterOwnership(node: me)
        _ = ownership.joined(lease: 7, ttl: .seconds(2), now: now)
        _ = ownership.observe(Self.view(nodes: ["a", "b", "c"]), resources: ["db"], now: now)
        _ = ownership.claimAnswered("db", lease: 7, result: .written(token: 42), now: now)
        // A read at revision 41 (before the claim at 42) arrives after the claim's answer: no owner key in it.
        var stale = Self.view(nodes: ["a", "b", "c"])
        stale.revision = 41
        #expect(ownership.observe(stale, resources: ["db"], now: now).isEmpty)
        #expect(ownership.token(of: "db") == 42)
        // A read at or after the claim without the key means the key is gone.
        stale.revision = 43
        #expect(
            ownership.observe(stale, resources: ["db"], now: now).contains {
                $0 == .stop(resource: "db", reason: "cluster ownership lost: its owner key is gone")
            }
        )
    }

    @Test func aViewWithoutThisNodesKeyIsALostLease() {
        let me = Self.claimant("db")
        var ownership = ClusterOwnership(node: me)
        _ = ownership.joined(lease: 7, ttl: .seconds(2), now: now)
        _ = ownership.observe(Self.view(nodes: ["a", "b", "c"]), resources: ["db"], now: now)
        _ = ownership.claimAnswered("db", lease: 7, result: .written(token: 42), now: now)
        let others = ["a", "b", "c"].filter { $0 != me }
        let actions = ownership.observe(
            Self.view(nodes: others, owners: ["db": ClusterOwner(node: me, lease: 7, token: 42)]),
            resources: ["db"],
            now: now
        )
        #expect(actions.contains(.stop(resource: "db", reason: "self-fence: this node's key is gone from etcd")))
        #expect(ownership.lease == nil)
    }

    @Test func aLostNodesResourcesGoToTheNextClaimantAndNodesAreReportedJoinedAndLost() {
        let first = Self.claimant("db")
        let remaining = ["a", "b", "c"].filter { $0 != first }
        let next = Self.claimant("db", among: remaining)
        var ownership = ClusterOwnership(node: next)
        _ = ownership.joined(lease: 4, ttl: .seconds(2), now: now)
        let owned = Self.view(nodes: ["a", "b", "c"], owners: ["db": ClusterOwner(node: first, lease: 1, token: 5)])
        #expect(ownership.observe(owned, resources: ["db"], now: now).isEmpty)
        let actions = ownership.observe(Self.view(nodes: remaining), resources: ["db"], now: now)
        #expect(actions.contains(.claim(resource: "db")))
        #expect(
            actions.contains { action in
                if case .emit(let event) = action { return event.kind == .nodeLost && event.fields["NODE"] == first }
                return false
            }
        )
        // Still stopping here from an earlier ownership: not claimed again until it is down.
        var busy = ClusterOwnership(node: next)
        _ = busy.joined(lease: 5, ttl: .seconds(2), now: now)
        #expect(busy.observe(Self.view(nodes: remaining), resources: ["db"], busy: ["db"], now: now).isEmpty)
    }

    @Test func aNodeClaimsOnlyWhatThePlacerAssignedToIt() {
        var ownership = ClusterOwnership(node: "a")
        _ = ownership.joined(lease: 7, ttl: .seconds(2), now: now)
        var view = Self.view(nodes: ["a", "b", "c"])
        view.assignments = [:]
        #expect(ownership.observe(view, resources: ["db"], now: now).isEmpty)
        view.assignments["db"] = ClusterAssignment(node: "b", revision: 3)
        #expect(ownership.observe(view, resources: ["db"], now: now).isEmpty)
        view.assignments["db"] = ClusterAssignment(node: "a", revision: 4)
        #expect(ownership.observe(view, resources: ["db"], now: now) == [.claim(resource: "db")])
    }

    @Test func aResourceAssignedElsewhereIsStoppedAndReleasedHereBeforeTheOtherNodeCanClaimIt() {
        var ownership = ClusterOwnership(node: "a")
        _ = ownership.joined(lease: 7, ttl: .seconds(2), now: now)
        var view = Self.view(nodes: ["a", "b"], owners: ["db": ClusterOwner(node: "a", lease: 7, token: 42)])
        _ = ownership.observe(view, resources: ["db"], now: now)
        #expect(ownership.token(of: "db") == 42)
        view.assignments["db"] = ClusterAssignment(node: "b", revision: 50)
        view.revision = 50
        let actions = ownership.observe(view, resources: ["db"], now: now)
        #expect(
            actions.contains(
                .stop(resource: "db", reason: "cluster: handed over to node b (assigned there by the placer)")
            )
        )
        #expect(actions.contains(.release(resource: "db", token: 42)))
        #expect(ownership.token(of: "db") == nil)
        // Until the release is applied the key is still this lease's: it is not taken back for a claim of its own.
        #expect(ownership.observe(view, resources: ["db"], now: now).isEmpty)
        // The other node waits for the owner key to go: it claims only an ownerless resource.
        var other = ClusterOwnership(node: "b")
        _ = other.joined(lease: 8, ttl: .seconds(2), now: now)
        #expect(other.observe(view, resources: ["db"], now: now).isEmpty)
        view.owners = [:]
        #expect(other.observe(view, resources: ["db"], now: now) == [.claim(resource: "db")])
    }

    @Test func unreachableIsReportedOnceAndItsEndWithTheOutage() {
        var ownership = ClusterOwnership(node: "a")
        let first = ownership.unreachable(reason: "no member answered", now: now)
        #expect(first.count == 1 && ownership.unreachable(reason: "again", now: now).isEmpty)
        let later = now + .seconds(3)
        let back = ownership.observe(Self.view(nodes: ["a"]), resources: [], now: later)
        guard case .emit(let event)? = back.first else {
            Issue.record("no event: \(back)")
            return
        }
        #expect(event.kind == .etcdReachable && event.fields["OUTAGE_USEC"] == "3000000")
    }
}

/// A resource whose restart policy gave up on its node goes to another node.
@Suite struct ClusterOwnershipGiveUpTests {
    let now = MonotonicInstant(nanoseconds: 1_000_000_000)

    @Test func aResourceThatFailedHereIsReleasedNeverClaimedHereAgainAndGoesToANodeThatHasNotRefusedIt() {
        let me = ClusterOwnershipTests.claimant("db")
        var ownership = ClusterOwnership(node: me)
        _ = ownership.joined(lease: 7, ttl: .seconds(2), now: now)
        _ = ownership.observe(ClusterOwnershipTests.view(nodes: ["a", "b", "c"]), resources: ["db"], now: now)
        _ = ownership.claimAnswered("db", lease: 7, result: .written(token: 42), now: now)
        let held = ClusterOwnershipTests.view(
            nodes: ["a", "b", "c"],
            owners: ["db": ClusterOwner(node: me, lease: 7, token: 42)]
        )
        let actions = ownership.observe(held, resources: ["db"], failed: ["db"], now: now)
        #expect(actions.contains(.release(resource: "db", token: 42)))
        #expect(ownership.token(of: "db") == nil)
        // Ownerless again: not claimed here while it is failed here.
        let ownerless = ClusterOwnershipTests.view(nodes: ["a", "b", "c"])
        #expect(ownership.observe(ownerless, resources: ["db"], failed: ["db"], now: now).isEmpty)
    }
}
