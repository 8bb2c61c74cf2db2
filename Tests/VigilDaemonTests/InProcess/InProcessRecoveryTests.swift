import Foundation
import Testing
import VigilCore
import VigilLinux

@testable import VigilDaemon

/// Orchestration proven in-process: the real engine, supervisors, ladders, failover and limiter, driven by a manual
/// clock with fake drivers, so each step is checked at the instant it must happen.
@Suite struct InProcessRecoveryTests {
    static let service = """
        [[target]]
        name = "web-a"
        exec = ["/bin/true"]
        restart = { start_grace = "100ms" }
        recovery = ["restart", "failover", "fence"]
        verify_window = "10s"
        action_timeout = "5s"
        standbys = ["web-b"]

        [[target]]
        name = "web-b"
        exec = ["/bin/true"]
        restart = { start_grace = "100ms" }

        """

    @Test func aLadderEscalatesFromRestartToFailoverToFenceWhenEachStepFailsItsVerificationWindow() throws {
        let harness = try EngineHarness(config: Self.service)
        defer { harness.removeDirectory() }
        harness.start()
        harness.advance(.milliseconds(200))
        #expect(harness.onQueue { $0.targets["web-a"]?.machine.state.word } == "running")
        #expect(harness.world.started["web-b"] == nil, "a standby waits for a failover")
        #expect(harness.events(.daemonReady).count == 1)

        // First failure: the ladder restarts web-a.
        harness.crash("web-a")
        let steps = harness.events(.recoveryStep, target: "web-a")
        #expect(steps.count == 1 && steps[0].fields["STEP"] == "restart", "\(steps)")
        #expect(steps.first?.fields["EVIDENCE"] == "exited with status 1", "typed evidence, not a message")
        #expect(
            harness.onQueue { $0.targets["web-a"]?.driver.hasInstance } == false,
            "the ladder's restart waits out the target's backoff first"
        )
        harness.advance(.milliseconds(300))
        #expect(harness.onQueue { $0.targets["web-a"]?.driver.hasInstance } == true)

        // It fails again inside its 10 s window: the step did not hold, the ladder fails over to web-b.
        harness.advance(.seconds(2))
        harness.crash("web-a")
        harness.advance(.milliseconds(200))
        #expect(harness.events(.recoveryStepFailed, target: "web-a").count == 1)
        let completed = harness.events(.failoverCompleted, target: "web-a")
        #expect(completed.count == 1 && completed[0].message.contains("from web-a to web-b"), "\(completed)")
        #expect(harness.world.running.keys.sorted() == ["web-b"], "never two actives")
        #expect(harness.onQueue { $0.recovery.role(of: "web-b") } == .active)

        // web-b fails inside the failover's window: the last step fences it and the service is left down.
        harness.advance(.seconds(1))
        harness.crash("web-b")
        harness.advance(.seconds(1))
        let fenceStep = harness.events(.recoveryStep, target: "web-a").last
        #expect(fenceStep?.fields["STEP"] == "fence", "\(String(describing: fenceStep))")
        let phase = harness.onQueue { $0.recovery.services["web-a"]?.ladder.phase }
        guard case .fenced = phase else {
            Issue.record("the ladder is \(String(describing: phase)), not fenced")
            return
        }
        #expect(harness.world.running.isEmpty)
        harness.advance(.seconds(60))
        #expect(harness.world.started["web-a"]?.count == 2 && harness.world.started["web-b"]?.count == 1)
        #expect(harness.status().targets.first { $0.name == "web-a" }?.health == .unknown)
    }

    @Test func aStepThatHoldsItsWindowIsVerifiedAndTheLadderWaitsAtItsNextStep() throws {
        let harness = try EngineHarness(config: Self.service)
        defer { harness.removeDirectory() }
        harness.start()
        harness.advance(.milliseconds(200))
        harness.crash("web-a")
        harness.advance(.seconds(11))
        #expect(harness.events(.recoveryVerified, target: "web-a").count == 1)
        #expect(harness.onQueue { $0.recovery.services["web-a"]?.ladder.position } == 1)
        #expect(harness.world.started["web-a"]?.count == 2)
        #expect(harness.status().targets.first { $0.name == "web-a" }?.health == .healthy)
    }

    @Test(arguments: [
        FailoverPhase.fencing, .confirmingDead, .checkingStandby, .promoting, .runningHooks,
    ])
    func aFailoverUnderWayWhenVigildStoppedIsResumedAndPromotesTheStandbyOnce(phase: FailoverPhase) throws {
        let directory = try EngineHarness.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var progress = FailoverProgress(primary: "web-a", trigger: "exited with status 1")
        progress.phase = phase
        progress.standby = "web-b"
        progress.primaryConfirmedDead = phase != .fencing && phase != .confirmingDead
        progress.sequence = 4
        var primary = PersistedTargetState(
            failover: progress,
            roles: FailoverRoles(active: "web-a", standbys: ["web-b"])
        )
        primary.restarts = 1
        let state = PersistedState(
            generation: 7,
            targets: ["web-a": primary, "web-b": PersistedTargetState(role: .standby)]
        )
        try StateStore(directory: directory + "/state").save(state)

        let harness = try EngineHarness(config: Self.service, directory: directory)
        defer { harness.onQueue { $0.finish() } }
        harness.start()
        harness.advance(.seconds(1))
        #expect(harness.world.started["web-a"] == nil, "the primary of a failover under way is never started again")
        #expect(harness.world.started["web-b"]?.count == 1, "promoted once")
        #expect(harness.events(.failoverCompleted, target: "web-a").count == 1)
        #expect(harness.onQueue { $0.recovery.role(of: "web-b") } == .active)
        let resumed = harness.events(.failoverProgress, target: "web-a").map(\.message)
        #expect(resumed.contains { $0.contains("resuming") }, "\(resumed)")

        // What was written says so: a second restart keeps web-b active and starts nothing twice.
        harness.onQueue { $0.persistence.saveNow() }
        let again = try EngineHarness(config: Self.service, world: FakeWorld(), directory: directory)
        defer { again.onQueue { $0.finish() } }
        again.start()
        again.advance(.seconds(1))
        #expect(again.world.started["web-b"]?.count == 1 && again.world.started["web-a"] == nil)
        #expect(again.events(.failoverCompleted).isEmpty)
    }

    /// A restarted vigild resumes a failover at its standby check while the standby it finds running is still being
    /// adopted (a domain is adopted only once libvirt has answered): the check waits for the adoption and adopts the
    /// standby as the new primary, instead of answering "unknown" and aborting the failover.
    @Test func aResumedFailoverWaitsForAStandbyStillBeingAdoptedAndAdoptsIt() throws {
        let directory = try EngineHarness.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var progress = FailoverProgress(primary: "web-a", trigger: "exited with status 1")
        progress.phase = .checkingStandby
        progress.standby = "web-b"
        progress.primaryConfirmedDead = true
        progress.sequence = 4
        let state = PersistedState(
            generation: 7,
            targets: [
                "web-a": PersistedTargetState(
                    failover: progress,
                    roles: FailoverRoles(active: "web-a", standbys: ["web-b"])
                ),
                "web-b": PersistedTargetState(role: .standby),
            ]
        )
        try StateStore(directory: directory + "/state").save(state)
        let world = FakeWorld()
        world.leftovers = ["web-b": 777]
        world.slowAdoptions = ["web-b": .milliseconds(300)]

        let harness = try EngineHarness(config: Self.service, world: world, directory: directory)
        defer { harness.onQueue { $0.finish() } }
        harness.start()
        harness.advance(.milliseconds(100))
        #expect(harness.events(.failoverCompleted).isEmpty, "not before web-b is adopted")
        #expect(harness.events(.failoverAborted).isEmpty, "\(harness.events(.failoverAborted).map(\.message))")
        harness.advance(.seconds(1))
        #expect(harness.events(.failoverAborted).isEmpty, "\(harness.events(.failoverAborted).map(\.message))")
        let completed = harness.events(.failoverCompleted, target: "web-a")
        #expect(completed.count == 1 && completed.first?.message.contains("to web-b") == true, "\(completed)")
        #expect(harness.world.started["web-b"] == nil, "adopted, never started: \(harness.world.log)")
        #expect(harness.world.running["web-b"] == 777)
        #expect(harness.onQueue { $0.recovery.role(of: "web-b") } == .active)
        let adopting = harness.events(.failoverProgress, target: "web-a").map(\.message)
        #expect(adopting.contains { $0.contains("web-b is already active; adopting it") }, "\(adopting)")
    }

    static func limited(_ name: String, priority: Int, verify: String) -> String {
        """
        [[target]]
        name = "\(name)"
        exec = ["/bin/true"]
        restart = { start_grace = "100ms" }
        recovery = ["restart"]
        verify_window = "\(verify)"
        priority = \(priority)

        """
    }

    @Test func recoveriesBeyondTheLimitQueueOnceAndAreGrantedByPriorityThenArrival() throws {
        let harness = try EngineHarness(
            config: Self.limited("low", priority: 10, verify: "60s") + Self.limited("mid", priority: 50, verify: "1s")
                + Self.limited("high", priority: 90, verify: "1s") + Self.limited("late", priority: 90, verify: "1s"),
            daemon: "concurrent_recoveries = 1\n"
        )
        defer { harness.removeDirectory() }
        harness.start()
        harness.advance(.milliseconds(200))
        harness.crash("low")
        harness.advance(.milliseconds(200))
        harness.crash("mid")
        harness.crash("high")
        harness.crash("late")
        harness.advance(.milliseconds(10))
        #expect(harness.events(.recoveryQueued).map(\.target) == ["mid", "high", "late"])
        #expect(harness.events(.recoveryQueued, target: "high").first?.fields["POSITION"] == "1")
        #expect(harness.events(.recoveryQueued, target: "late").first?.fields["POSITION"] == "2")
        #expect(harness.events(.recoveryStep).map(\.target) == ["low"], "nothing else acts while one holds the slot")

        // low's window runs for 60 s; the others wait however long that takes, and are queued only once.
        harness.advance(.seconds(30))
        #expect(harness.events(.recoveryQueued).count == 3)
        harness.advance(.seconds(31))
        #expect(harness.events(.recoveryVerified, target: "low").count == 1)
        harness.advance(.seconds(5))
        #expect(harness.events(.recoveryStep).map(\.target) == ["low", "high", "late", "mid"])
        for name in ["mid", "high", "late"] {
            #expect(harness.events(.recoveryVerified, target: name).count == 1, "\(name)")
        }
    }
}
