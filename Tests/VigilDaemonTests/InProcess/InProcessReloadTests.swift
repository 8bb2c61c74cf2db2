import Foundation
import Testing
import VigilCore

@testable import VigilDaemon

/// A reload, in-process: added targets start, removed ones stop and are let go, changed ones are restarted with
/// their new settings, the rest are left alone.
@Suite struct InProcessReloadTests {
    static func target(_ name: String, exec: String = "/bin/true") -> String {
        """
        [[target]]
        name = "\(name)"
        exec = ["\(exec)"]
        restart = { start_grace = "100ms" }

        """
    }

    @Test func aReloadStartsAddedStopsRemovedRestartsChangedAndLeavesTheRestAlone() throws {
        let harness = try EngineHarness(config: Self.target("keep") + Self.target("drop") + Self.target("change"))
        defer { harness.removeDirectory() }
        harness.start()
        harness.advance(.milliseconds(200))
        let before = harness.onQueue { engine in engine.targets.all.map { ($0.name, $0.machine.state.pid) } }
        #expect(before.count == 3)

        let result = harness.reload(
            config: Self.target("keep") + Self.target("change", exec: "/bin/false") + Self.target("new")
        )
        let diff = try result.get()
        #expect(diff.added == ["new"] && diff.removed == ["drop"] && diff.changed == ["change"])
        harness.advance(.milliseconds(200))

        #expect(harness.onQueue { $0.targets.order } == ["keep", "change", "new"])
        #expect(harness.onQueue { $0.targets["drop"] == nil }, "a removed target is let go once it is down")
        #expect(harness.world.log.contains("close drop removed"))
        #expect(harness.world.started["keep"]?.count == 1, "an unchanged target keeps its instance")
        #expect(harness.world.started["change"]?.count == 2, "a changed target is restarted")
        #expect(harness.world.started["new"]?.count == 1)
        #expect(harness.world.running.keys.sorted() == ["change", "keep", "new"])
        let reloaded = harness.events(.reloadSucceeded)
        #expect(reloaded.count == 1 && reloaded[0].fields["ADDED"] == "new", "\(reloaded)")
    }

    @Test func anInvalidReloadChangesNothing() throws {
        let harness = try EngineHarness(config: Self.target("keep"))
        defer { harness.removeDirectory() }
        harness.start()
        harness.advance(.milliseconds(200))
        let result = harness.reload(config: Self.target("keep") + "[[target]]\nname = \"broken\"\n")
        #expect(throws: ConfigError.self) { try result.get() }
        #expect(harness.events(.reloadRejected).count == 1)
        #expect(harness.world.started["keep"]?.count == 1)
        #expect(harness.onQueue { $0.targets.order } == ["keep"])
    }
}
