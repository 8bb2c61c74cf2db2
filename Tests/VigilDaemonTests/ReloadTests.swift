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

    /// A target with every kind of policy: restart limits, a check with a `for`, heartbeat thresholds (its program
    /// pings over its notify socket every 100 ms).
    private func tuned(
        runtime: String,
        backoff: String,
        burst: Int,
        holdFor: String,
        suspect: Int,
        convict: Int,
        nap: String = "0.1"
    ) -> String {
        """
        [daemon]
        runtime_dir = "\(runtime)"

        [[target]]
        name = "web"
        exec = ["/bin/sh", "-c", "while :; do systemd-notify --pid=$$ WATCHDOG=1; sleep \(nap); done"]
        notify_socket = true
        stop_timeout = "2s"
        restart = { backoff = "\(backoff)", burst = \(burst), start_grace = "100ms" }
        checks = [{ when = "main.rss > 1GiB for \(holdFor)" }]
        heartbeat = { interval = "1s", detector = "fixed", suspect = \(suspect), convict = \(convict) }

        """
    }

    @Test func aReloadOfPolicyOnlyKeepsTheProcessAndAppliesTheNewPolicyAndAnArgvChangeRestartsIt() async throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let runtime = directory + "/run"
        let vigild = try VigildProcess(
            config: tuned(runtime: runtime, backoff: "20s..20s", burst: 5, holdFor: "1m", suspect: 3, convict: 5)
        )
        let pid = try #require(try await vigild.waitForEvent(.targetStarted, target: "web").pid)
        try await vigild.waitForEvent(.daemonReady)

        // Backoff, burst, the check's `for` and the heartbeat thresholds change: nothing the process runs with.
        try tuned(runtime: runtime, backoff: "0..100ms", burst: 7, holdFor: "2m", suspect: 4, convict: 6)
            .write(toFile: vigild.configPath, atomically: true, encoding: .utf8)
        vigild.signal(SIGHUP)
        let inPlace = try await vigild.waitForEvent(.reloadSucceeded)
        #expect(inPlace.fields["VIGIL_CHANGED_IN_PLACE"] == "web", "\(inPlace)")
        #expect((inPlace.fields["VIGIL_CHANGED"] ?? "").isEmpty, "\(inPlace)")
        #expect(inPlace.message.contains("changed in place: web"), "\(inPlace.message)")
        try await Task.sleep(for: .milliseconds(500))
        #expect(ProcessProbe.isRunning(pid), "the same process runs on")
        #expect(vigild.events(.targetStopping, target: "web").isEmpty)
        #expect(vigild.events(.targetStarted, target: "web").count == 1)
        #expect(vigild.events(.targetFaulted, target: "web").isEmpty, "its heartbeats are still judged as arriving")

        // The new backoff holds for that same process: killed, it is back at once, not after the old 20 s.
        kill(pid, SIGKILL)
        let scheduled = try await vigild.waitForEvent(.restartScheduled, target: "web")
        let backoff = try #require(scheduled.fields["VIGIL_BACKOFF_USEC"].flatMap(Int.init))
        #expect(backoff <= 100_000, "\(scheduled)")
        let restarted = try #require(try await vigild.waitForEvent(.targetStarted, target: "web", count: 2).pid)
        #expect(restarted != pid)

        // The program's arguments change: that needs a new process.
        try tuned(runtime: runtime, backoff: "0..100ms", burst: 7, holdFor: "2m", suspect: 4, convict: 6, nap: "0.2")
            .write(toFile: vigild.configPath, atomically: true, encoding: .utf8)
        vigild.signal(SIGHUP)
        let changed = try await vigild.waitForEvent(.reloadSucceeded, count: 2)
        #expect(changed.fields["VIGIL_CHANGED"] == "web", "\(changed)")
        #expect((changed.fields["VIGIL_CHANGED_IN_PLACE"] ?? "").isEmpty, "\(changed)")
        let replaced = try #require(try await vigild.waitForEvent(.targetStarted, target: "web", count: 3).pid)
        #expect(replaced != restarted)
        #expect(try await ProcessProbe.waitUntilGone(restarted))
        #expect(try String(contentsOfFile: "/proc/\(replaced)/cmdline", encoding: .utf8).contains("sleep 0.2"))
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

    /// What an editor or configuration management leaves after a failed write: the file truncated to nothing.
    @Test func aReloadOfATruncatedFileIsRejectedAndEveryTargetKeepsRunning() async throws {
        let vigild = try VigildProcess(config: target("steady", 1000))
        try await vigild.waitForEvent(.daemonReady)
        let pid = try #require(vigild.events(.targetStarted, target: "steady").first?.pid)
        try Data().write(to: URL(fileURLWithPath: vigild.configPath))
        vigild.signal(SIGHUP)
        let rejected = try await vigild.waitForEvent(.reloadRejected)
        #expect(rejected.fields["VIGIL_PROBLEMS"]?.contains("the file is empty") == true, "\(rejected)")
        #expect(ProcessProbe.isRunning(pid))
        #expect(vigild.events(.targetStopping).isEmpty)
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
