import Foundation
import Testing
import VigilCore
import VigilLinux

@testable import VigilDaemon

/// The ladder's `reset` step on a kind that cannot reset in place (only libvirt domains can): the step fails at once
/// with the driver's reason and the ladder goes on to its next step.
@Suite struct InProcessResetStepTests {
    @Test func aResetStepOnAProcessFailsAtOnceWithItsReasonAndTheLadderRestartsIt() throws {
        let harness = try EngineHarness(
            config: """
                [[target]]
                name = "web"
                exec = ["/bin/true"]
                restart = { start_grace = "100ms", backoff = "0..1s" }
                recovery = ["reset", "restart"]
                verify_window = "10s"
                action_timeout = "5s"
                """
        )
        defer { harness.removeDirectory() }
        harness.start()
        harness.advance(.milliseconds(200))
        harness.crash("web")
        harness.advance(.milliseconds(200))
        let steps = harness.events(.recoveryStep, target: "web").map { $0.fields["STEP"] }
        #expect(steps == ["reset", "restart"], "\(steps)")
        let failed = harness.events(.recoveryStepFailed, target: "web")
        #expect(failed.count == 1)
        #expect(failed.first?.fields["REASON"]?.contains("reset needs a vm target driven by libvirt") == true)
        #expect(harness.world.started["web"]?.count == 2, "started again by the restart step")
    }
}
