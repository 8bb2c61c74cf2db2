import Testing
import VigilCore

/// `RecoveryLadder.nextStep`: what a failure reported now would run, which the domain driver asks before it
/// destroys a convicted domain (a `reset` step needs the domain left running).
@Suite struct RecoveryLadderNextStepTests {
    static func ladder(_ steps: [RecoveryStep]) -> RecoveryLadder {
        var config = RecoveryLadderTests.config(steps)
        config.standbys = []
        return RecoveryLadder(target: "vm", config: config)
    }

    @Test func aResetStepIsParsedAndNamedAsWritten() {
        #expect(RecoveryStep(parsing: "reset") == .reset)
        #expect(RecoveryStep.reset.description == "reset")
        #expect(ActuatorOperation.reset.name == "reset")
    }

    @Test func theNextStepIsTheOneAtThePositionWhileWatchingAndTheOneAfterTheStepBeingVerified() throws {
        var ladder = Self.ladder([.reset, .restart])
        #expect(ladder.nextStep == .reset)
        let started = ladder.verdict(
            .failed(Evidence(.watchdog, "the guest's virtual watchdog fired")),
            now: .init(nanoseconds: 0)
        )
        let step = try #require(RecoveryLadderTests.performed(started).first)
        #expect(step.step == .reset)
        // Under way: no step would run for another failure.
        #expect(ladder.nextStep == nil)
        _ = ladder.outcome(.succeeded, sequence: step.sequence, now: .init(nanoseconds: 1_000_000))
        // Verifying the reset: a relapse now runs the restart.
        #expect(ladder.nextStep == .restart)
    }

    @Test func noStepIsNextWhenTheLadderIsExhaustedOrInMaintenance() throws {
        var ladder = Self.ladder([.reset])
        _ = ladder.setMaintenance(true, now: .init(nanoseconds: 0))
        #expect(ladder.nextStep == nil)
        _ = ladder.setMaintenance(false, now: .init(nanoseconds: 0))
        #expect(ladder.nextStep == .reset)
        let started = ladder.verdict(.failed(Evidence(.heartbeat, "silent")), now: .init(nanoseconds: 0))
        let step = try #require(RecoveryLadderTests.performed(started).first)
        _ = ladder.outcome(.failed(reason: "virsh reset failed"), sequence: step.sequence, now: .init(nanoseconds: 1))
        #expect(ladder.phase == .failed(since: .init(nanoseconds: 1)))
        #expect(ladder.nextStep == nil)
    }
}
