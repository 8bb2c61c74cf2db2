import Foundation
import Testing
import VigilCore

@testable import VigilDaemon

/// An operator's way out of an exhausted recovery ladder, in-process.
@Suite struct InProcessResetTests {
    @Test func anExhaustedLadderIsResetByResetFailedAndRecoversItsTargetAgain() throws {
        let harness = try EngineHarness(
            config: """
                [[target]]
                name = "db"
                exec = ["/bin/true"]
                restart = { start_grace = "100ms" }
                recovery = ["restart"]
                verify_window = "10s"
                recovery_reset_after = "20s"

                """
        )
        defer { harness.removeDirectory() }
        harness.start()
        harness.advance(.milliseconds(200))
        harness.crash("db")
        harness.advance(.milliseconds(500))
        harness.crash("db")
        harness.advance(.milliseconds(500))
        #expect(harness.events(.recoveryExhausted, target: "db").count == 1)
        #expect(harness.world.running["db"] == nil, "left down by the exhausted ladder")
        let state = harness.onQueue { $0.targets["db"]?.machine.state.word }
        #expect(state == "exited", "not failed: the restart policy itself did not give up")

        let answer = harness.onQueue { engine in
            engine.control.act(.resetFailed, on: engine.targets["db"]!, by: "root").message ?? ""
        }
        #expect(answer.contains("recovery ladder reset"), "\(answer)")
        harness.advance(.seconds(1))
        #expect(harness.world.started["db"]?.count == 3, "the ladder's first step started it again")

        // The ladder is whole again: after its window and `recovery_reset_after` of health, the next failure is
        // recovered from the first step.
        harness.advance(.seconds(35))
        harness.crash("db")
        harness.advance(.seconds(1))
        #expect(harness.world.started["db"]?.count == 4)
        #expect(harness.events(.recoveryExhausted, target: "db").count == 1)
    }
}
