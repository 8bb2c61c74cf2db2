import Testing
import VigilCore

/// A cluster resource's recovery ladder: its steps run on the node that owns it; its `failover` step, or its end,
/// gives the resource up on this node (so the node releases it and another claims it); losing the ownership is not
/// counted against it; and an operator's reset makes the node accept it again without starting it.
@Suite struct ClusterLadderTests {
    static func config(_ ladder: [RecoveryStep]) -> RecoveryConfig {
        var config = RecoveryConfig(level: .medium)
        config.ladder = ladder
        config.verifyWindow = .seconds(10)
        config.actionTimeout = .seconds(5)
        config.resetAfter = .seconds(60)
        config.restart = RestartConfig(backoffMin: .zero, backoffMax: .zero, burst: 1000)
        return config
    }

    static func at(_ milliseconds: Int64) -> MonotonicInstant {
        MonotonicInstant(nanoseconds: milliseconds * 1_000_000)
    }

    static func performed(_ actions: [RecoveryAction]) -> [(step: RecoveryStep, sequence: Int)] {
        actions.compactMap {
            if case .perform(let step, let sequence, _) = $0 { return (step, sequence) }
            return nil
        }
    }

    static func events(_ actions: [RecoveryAction]) -> [Event] {
        actions.compactMap {
            if case .emit(let event) = $0 { return event }
            return nil
        }
    }

    let crash = Health.failed(Evidence(.exit, "exited with status 1"))

    @Test func restartsRunHereAndTheFailoverStepHandsTheResourceToAnotherNode() throws {
        var ladder = RecoveryLadder(target: "db", config: Self.config([.restart, .restart, .failover]))
        var actions = ladder.verdict(crash, now: Self.at(0))
        var step = try #require(Self.performed(actions).first)
        #expect(step.step == .restart)
        _ = ladder.outcome(.succeeded, sequence: step.sequence, now: Self.at(100))
        // It crashes again inside the window: the second restart, still on this node.
        actions = ladder.verdict(crash, now: Self.at(400))
        step = try #require(Self.performed(actions).first)
        #expect(step.step == .restart && !ladder.hasGivenUp)
        _ = ladder.outcome(.succeeded, sequence: step.sequence, now: Self.at(500))
        actions = ladder.verdict(crash, now: Self.at(800))
        step = try #require(Self.performed(actions).first)
        #expect(step.step == .failover)
        // The daemon hands it over (no standby takes it): the ladder ends on this node.
        actions = ladder.handOver(sequence: step.sequence, now: Self.at(800))
        #expect(ladder.hasGivenUp)
        #expect(ladder.attempts.last?.result == .handedOver)
        let event = try #require(Self.events(actions).first)
        #expect(event.kind == .recoveryExhausted)
        #expect(event.message.contains("gives the cluster resource up for another node"))
        #expect(event.fields["STEPS_TRIED"] == "3")
        #expect(actions.contains(.disarmTimer))
        // Given up: nothing more runs here, whatever it hears.
        #expect(Self.performed(ladder.verdict(crash, now: Self.at(900))).isEmpty)
        // And losing the ownership (it is released) leaves it given up: the node keeps refusing it.
        #expect(ladder.abandon(now: Self.at(1000)).isEmpty)
        #expect(ladder.hasGivenUp)
    }

    @Test func aHandOverForAnotherOperationThanTheOneUnderWayChangesNothing() throws {
        var ladder = RecoveryLadder(target: "db", config: Self.config([.failover]))
        let step = try #require(Self.performed(ladder.verdict(crash, now: Self.at(0))).first)
        #expect(ladder.handOver(sequence: step.sequence + 1, now: Self.at(10)).isEmpty)
        #expect(!ladder.hasGivenUp)
    }

    @Test func anExhaustedLadderIsGivenUpOnThisNode() throws {
        var ladder = RecoveryLadder(target: "db", config: Self.config([.restart]))
        let step = try #require(Self.performed(ladder.verdict(crash, now: Self.at(0))).first)
        _ = ladder.outcome(.succeeded, sequence: step.sequence, now: Self.at(100))
        let actions = ladder.verdict(crash, now: Self.at(300))
        #expect(Self.events(actions).contains { $0.kind == .recoveryExhausted })
        #expect(ladder.hasGivenUp)
    }

    @Test func losingTheOwnershipMidStepForgetsTheRunWithoutActingOrCountingIt() throws {
        var ladder = RecoveryLadder(target: "db", config: Self.config([.restart, .failover]))
        let step = try #require(Self.performed(ladder.verdict(crash, now: Self.at(0))).first)
        _ = ladder.outcome(.succeeded, sequence: step.sequence, now: Self.at(100))
        // Verifying the restart when the node loses the resource (its lease, or the owner key): abandoned.
        let actions = ladder.abandon(now: Self.at(200))
        #expect(actions == [.disarmTimer])
        #expect(ladder.phase == .watching && ladder.position == 0 && ladder.attempts.isEmpty)
        #expect(ladder.verdict == nil)
        // The window's end finds nothing to judge: no step runs on a node that does not own the resource.
        #expect(Self.performed(ladder.timerFired(now: Self.at(20_000))).isEmpty)
        #expect(!ladder.hasGivenUp)
        // Claimed again later, a crash starts the ladder at its first step, not at the move.
        #expect(Self.performed(ladder.verdict(crash, now: Self.at(30_000))).first?.step == .restart)
    }

    @Test func abandoningAStepUnderWayCancelsIt() throws {
        var ladder = RecoveryLadder(target: "db", config: Self.config([.restart]))
        let step = try #require(Self.performed(ladder.verdict(crash, now: Self.at(0))).first)
        #expect(ladder.abandon(now: Self.at(10)) == [.cancel(sequence: step.sequence), .disarmTimer])
        // Its late outcome is ignored.
        #expect(ladder.outcome(.succeeded, sequence: step.sequence, now: Self.at(20)).isEmpty)
        #expect(ladder.phase == .watching)
    }

    @Test func anOperatorsResetAcceptsTheResourceAgainWithoutStartingIt() throws {
        var ladder = RecoveryLadder(target: "db", config: Self.config([.failover]))
        let step = try #require(Self.performed(ladder.verdict(crash, now: Self.at(0))).first)
        _ = ladder.handOver(sequence: step.sequence, now: Self.at(0))
        #expect(ladder.hasGivenUp)
        // Unlike `reset`, which would run the first step for the failure it knows (and so start the resource on a
        // node that does not own it), accepting it again acts on nothing.
        let actions = ladder.acceptAgain(now: Self.at(5_000))
        #expect(Self.performed(actions).isEmpty)
        #expect(!ladder.hasGivenUp && ladder.phase == .watching && ladder.position == 0)
        #expect(ladder.restartTimes.isEmpty && ladder.verdict == nil)
    }

    // MARK: - Who runs a resource every node refused

    static func nodes(_ refused: [String: [String]]) -> [String: ClusterNodeFigures] {
        refused.mapValues { list in
            var figures = ClusterNodeFigures()
            figures.refused = list
            return figures
        }
    }

    /// What the placer (node `a`, placer token 10) assigns in a view of `nodes`.
    static func placed(_ nodes: [String: ClusterNodeFigures], _ resources: [String]) -> [String: String] {
        var placement = ClusterPlacement(node: "a")
        var view = ClusterView(nodes: nodes, owners: [:], revision: 10)
        view.placer = ClusterPlacerKey(node: "a", lease: 7, token: 10)
        let actions = placement.observe(
            view,
            lease: 7,
            resources: resources.map { ClusterPlacement.Resource(name: $0) },
            now: at(0)
        )
        var assigned: [String: String] = [:]
        for case .assign(let write) in actions {
            assigned.merge(write.assignments) { $1 }
        }
        return assigned
    }

    @Test func aResourceEveryNodeRefusedIsPlacedNowhereUntilOneAcceptsItAgain() {
        let everyone = Self.nodes(["a": ["db"], "b": ["db"], "c": ["db"]])
        let first = Self.placed(everyone, ["db", "web"])
        #expect(first["db"] == nil)
        // Other resources are not affected.
        #expect(first["web"] != nil)
        // `vigilctl reset-failed db` on b: b's node key no longer lists it, and b is the only node it can go to.
        let accepted = Self.nodes(["a": ["db"], "b": [], "c": ["db"]])
        #expect(Self.placed(accepted, ["db"])["db"] == "b")
        var ownership = ClusterOwnership(node: "b")
        _ = ownership.joined(lease: 7, ttl: .seconds(2), now: Self.at(0))
        var view = ClusterView(nodes: accepted, owners: [:], revision: 10)
        view.assignments["db"] = ClusterAssignment(node: "b", revision: 11)
        #expect(ownership.observe(view, resources: ["db"], now: Self.at(0)) == [.claim(resource: "db")])
    }

    @Test func aNodeThatGaveTheResourceUpReleasesItWithItsTokenAndDoesNotClaimItAgain() {
        var ownership = ClusterOwnership(node: "a")
        _ = ownership.joined(lease: 7, ttl: .seconds(2), now: Self.at(0))
        let view = ClusterView(
            nodes: Self.nodes(["a": [], "b": []]),
            owners: ["db": ClusterOwner(node: "a", lease: 7, token: 42)],
            revision: 50
        )
        _ = ownership.observe(view, resources: ["db"], now: Self.at(0))
        #expect(ownership.token(of: "db") == 42)
        let actions = ownership.observe(view, resources: ["db"], failed: ["db"], now: Self.at(100))
        #expect(actions.contains(.release(resource: "db", token: 42)))
        #expect(!actions.contains { if case .stop = $0 { return true } else { return false } })
        #expect(ownership.token(of: "db") == nil)
        // A view read before the release's delete landed still shows the key as this lease's: it is not taken for
        // a claim whose answer was lost (that would start the resource again here, beside the next owner).
        #expect(ownership.observe(view, resources: ["db"], now: Self.at(150)).isEmpty)
        #expect(ownership.token(of: "db") == nil)
        // Released, with no owner: this node does not claim it while it refuses it (here, before its node key says so).
        let ownerless = ClusterView(nodes: Self.nodes(["a": [], "b": []]), owners: [:], revision: 60)
        #expect(ownership.observe(ownerless, resources: ["db"], failed: ["db"], now: Self.at(200)).isEmpty)
    }
}
