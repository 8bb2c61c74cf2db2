import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP: valid configurations are applied target by target, invalid ones change nothing.
@Suite struct ReloadTests {
    private func target(_ name: String, _ seconds: Int) -> String {
        """
        [[target]]
        name = "\(name)"
        exec = ["/bin/sleep", "\(seconds)"]
        stop_timeout = "2s"

        """
    }

    @Test func reloadStartsAddedStopsRemovedRestartsChangedAndLeavesUnchangedAlone() async throws {
        let vigild = try VigildProcess(config: target("keep", 1000) + target("change", 1000) + target("drop", 1000))
        try await vigild.waitForEvent(.daemonReady)
        let keep = try #require(vigild.events(.targetStarted, target: "keep").first?.pid)
        let change = try #require(vigild.events(.targetStarted, target: "change").first?.pid)
        let drop = try #require(vigild.events(.targetStarted, target: "drop").first?.pid)

        try (target("keep", 1000) + target("change", 2000) + target("add", 1000))
            .write(toFile: vigild.configPath, atomically: true, encoding: .utf8)
        vigild.signal(SIGHUP)
        let reloaded = try await vigild.waitForEvent(.reloadSucceeded)
        #expect(reloaded.fields["VIGIL_ADDED"] == "add")
        #expect(reloaded.fields["VIGIL_REMOVED"] == "drop")
        #expect(reloaded.fields["VIGIL_CHANGED"] == "change")
        let added = try #require(try await vigild.waitForEvent(.targetStarted, target: "add").pid)
        let changed = try #require(try await vigild.waitForEvent(.targetStarted, target: "change", count: 2).pid)

        #expect(ProcessProbe.isRunning(keep))
        #expect(vigild.events(.targetStarted, target: "keep").count == 1, "unchanged target not touched")
        #expect(vigild.events(.targetStopping, target: "keep").isEmpty)
        #expect(changed != change)
        #expect(try await ProcessProbe.waitUntilGone(change))
        #expect(try String(contentsOfFile: "/proc/\(changed)/cmdline", encoding: .utf8).contains("2000"))
        #expect(try await ProcessProbe.waitUntilGone(drop))
        #expect(ProcessProbe.isRunning(added))
        #expect(vigild.events(.targetStarted, target: "drop").count == 1, "removed target not restarted")
    }

    @Test func invalidReloadIsRejectedWithItsProblemsAndChangesNothing() async throws {
        let vigild = try VigildProcess(config: target("steady", 1000))
        try await vigild.waitForEvent(.daemonReady)
        let pid = try #require(vigild.events(.targetStarted, target: "steady").first?.pid)
        try (target("steady", 1000) + "[[target]]\nname = \"broken\"\nexec = []\nbogus = 1\n")
            .write(toFile: vigild.configPath, atomically: true, encoding: .utf8)
        vigild.signal(SIGHUP)
        let rejected = try await vigild.waitForEvent(.reloadRejected)
        #expect(rejected.priority == 3)
        let problems = try #require(rejected.fields["VIGIL_PROBLEMS"])
        #expect(problems.contains("\(vigild.configPath):7: target[broken].exec: must not be empty"))
        #expect(problems.contains("\(vigild.configPath):8: target[broken].bogus: unknown key"))
        #expect(ProcessProbe.isRunning(pid))
        #expect(vigild.events(.targetStarted).count == 1)
        #expect(vigild.events(.targetStopping).isEmpty)
        #expect(vigild.events(.reloadSucceeded).isEmpty)
    }

    @Test func reloadStartsAFailedTargetAgain() async throws {
        let config = """
            [[target]]
            name = "crasher"
            exec = ["/bin/sh", "-c", "exit 1"]
            restart = { backoff = "0..0", burst = 1, within = "1m" }
            """
        let vigild = try VigildProcess(config: config)
        try await vigild.waitForEvent(.targetGaveUp, target: "crasher")
        #expect(vigild.events(.targetStarted, target: "crasher").count == 2)
        vigild.signal(SIGHUP)
        try await vigild.waitForEvent(.reloadSucceeded)
        try await vigild.waitForEvent(.targetGaveUp, target: "crasher", count: 2)
        #expect(vigild.events(.targetStarted, target: "crasher").count == 4)
    }
}
