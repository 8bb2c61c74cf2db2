import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Recovery ladders and failover with real processes as primary and standbys.
@Suite struct FailoverTests {
    /// The children of vigild running `sleep` now: the active instances.
    static func activeInstances(of vigild: VigildProcess) -> [Int32] {
        // Children are listed under the thread that spawned them: the engine queue's, not the main thread's.
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(vigild.pid)/task")) ?? []
        let children = tasks.flatMap { task in
            ((try? String(contentsOfFile: "/proc/\(vigild.pid)/task/\(task)/children", encoding: .utf8)) ?? "")
                .split(separator: " ").compactMap { Int32($0) }
        }
        return children.filter(ProcessProbe.isRunning).sorted()
    }

    @Test func aPrimaryThatFailsAgainAfterItsRestartIsFencedAndItsStandbyPromoted() async throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let hookLog = directory + "/hook.log"
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "web-a"
                exec = ["/bin/sleep", "1000"]
                restart = { start_grace = "100ms" }
                recovery = ["restart", "failover"]
                verify_window = "60s"
                standbys = ["web-b"]
                hooks = { note = ["/bin/sh", "-c", "echo $VIGIL_PRIMARY $VIGIL_STANDBY >> \(hookLog)"] }
                promote_hooks = ["note"]

                [[target]]
                name = "web-b"
                exec = ["/bin/sleep", "1000"]
                restart = { start_grace = "100ms" }
                """
        )
        let first = try #require(try await vigild.waitForEvent(.targetStarted, target: "web-a").pid)
        try await vigild.waitForEvent(.daemonReady)
        #expect(vigild.events(.targetStarted, target: "web-b").isEmpty, "a standby waits for a failover")
        #expect(Self.activeInstances(of: vigild) == [first])

        // First failure: the ladder's first step restarts the primary.
        kill(first, SIGKILL)
        let step = try await vigild.waitForEvent(.recoveryStep, target: "web-a")
        #expect(step.message.contains("restart"))
        let second = try #require(try await vigild.waitForEvent(.targetStarted, target: "web-a", count: 2).pid)
        // It fails again inside the verification window: the next step fails over.
        kill(second, SIGKILL)
        let completed = try await vigild.waitForEvent(.failoverCompleted, target: "web-a")
        #expect(completed.message.contains("from web-a to web-b"), "\(completed)")
        let standby = try #require(vigild.events(.targetStarted, target: "web-b").first?.pid)
        #expect(ProcessProbe.isRunning(standby))
        #expect(!ProcessProbe.isRunning(second), "the primary is confirmed dead")
        // The order never allowed two actives: the primary was confirmed dead before the standby started.
        let confirmed = try #require(
            vigild.events(.failoverProgress, target: "web-a").first { $0.message.contains("confirmed dead") }
        )
        let promotedAt = try #require(
            vigild.events(.targetStarted, target: "web-b").first?.fields["VIGIL_MONOTONIC_USEC"]
        )
        #expect(Int64(confirmed.fields["VIGIL_MONOTONIC_USEC"] ?? "") ?? .max <= Int64(promotedAt) ?? 0)
        #expect(Self.activeInstances(of: vigild) == [standby])
        for _ in 0..<100 where (try? String(contentsOfFile: hookLog, encoding: .utf8)) == nil {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(try String(contentsOfFile: hookLog, encoding: .utf8) == "web-a web-b\n")

        try await Task.sleep(for: .milliseconds(300))
        let status = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status)).status
        #expect(status?.targets.first { $0.name == "web-a" }?.state == "stopped")
        #expect(status?.targets.first { $0.name == "web-a" }?.role == .standby)
        #expect(status?.targets.first { $0.name == "web-b" }?.role == .active)
        let table = try ProcessProbe.run(
            VigildProcess.siblingExecutable("vigilctl"),
            ["status", "--socket", vigild.controlSocket]
        )
        #expect(table.out.contains("running (active)"), "\(table.out)")
        let report = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .report)).report
        #expect(report?.first { $0.target == "web-a" }?.recoveries["restart"] == nil, "the restart did not hold")
        #expect(status?.targets.first { $0.name == "web-b" }?.state == "running")
    }

    @Test func vigilctlFailoverMovesTheServiceToTheChosenStandbyAndRefusesNonsense() async throws {
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "a"
                exec = ["/bin/sleep", "1000"]
                restart = { start_grace = "100ms" }
                standbys = ["b", "c"]

                [[target]]
                name = "b"
                exec = ["/bin/sleep", "1000"]

                [[target]]
                name = "c"
                exec = ["/bin/sleep", "1000"]
                restart = { start_grace = "100ms" }

                [[target]]
                name = "lone"
                exec = ["/bin/sleep", "1000"]
                """
        )
        let primary = try #require(try await vigild.waitForEvent(.targetStarted, target: "a").pid)
        try await vigild.waitForEvent(.daemonReady)
        let vigilctl = VigildProcess.siblingExecutable("vigilctl")
        let refused = try ProcessProbe.run(
            vigilctl,
            ["failover", "--socket", vigild.controlSocket, "a", "--to", "lone"]
        )
        #expect(refused.status != 0)
        #expect(refused.err.contains("lone is not a standby of a"), "\(refused.err)")
        let none = try ProcessProbe.run(vigilctl, ["failover", "--socket", vigild.controlSocket, "lone"])
        #expect(none.err.contains("lone has no standbys"), "\(none.err)")

        let twoActives = try ProcessProbe.run(vigilctl, ["start", "--socket", vigild.controlSocket, "b"])
        #expect(twoActives.status != 0)
        #expect(twoActives.err.contains("b is a standby of a"), "\(twoActives.err)")
        let moved = try ProcessProbe.run(vigilctl, ["failover", "--socket", vigild.controlSocket, "a", "--to", "c"])
        #expect(moved.status == 0, "\(moved.err)")
        #expect(moved.out.contains("failing over a from a to c"), "\(moved.out)")
        try await vigild.waitForEvent(.failoverCompleted, target: "a")
        let promoted = try #require(try await vigild.waitForEvent(.targetStarted, target: "c").pid)
        #expect(!ProcessProbe.isRunning(primary))
        #expect(vigild.events(.targetStarted, target: "b").isEmpty)
        #expect(ProcessProbe.isRunning(promoted))

        // And back: the configured primary is now a standby of the service, and can take over again.
        let back = try ProcessProbe.run(vigilctl, ["failover", "--socket", vigild.controlSocket, "c", "--to", "a"])
        #expect(back.status == 0, "\(back.err)")
        try await vigild.waitForEvent(.failoverCompleted, target: "a", count: 2)
        let again = try #require(try await vigild.waitForEvent(.targetStarted, target: "a", count: 2).pid)
        #expect(ProcessProbe.isRunning(again))
        #expect(!ProcessProbe.isRunning(promoted))
    }

    @Test func standbysMustNameOtherTargetsAndServeOnePrimary() throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/bad.toml"
        try """
        [[target]]
        name = "a"
        exec = ["/bin/true"]
        standbys = ["ghost", "a", "c"]

        [[target]]
        name = "b"
        exec = ["/bin/true"]
        standbys = ["c"]

        [[target]]
        name = "c"
        exec = ["/bin/true"]
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try ProcessProbe.run(VigildProcess.binary, ["--check-config", file])
        #expect(result.status == 1)
        #expect(result.err.contains("target[a].standbys: no target named \"ghost\""), "\(result.err)")
        #expect(result.err.contains("target[a].standbys: a target cannot be its own standby"))
        #expect(result.err.contains("target[b].standbys: c is already a standby of a"))
    }

    @Test func aRecoveryThatDoesNotFitInFreeMemoryIsRefusedWithAnEvent() async throws {
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "big"
                exec = ["/bin/sleep", "1000"]
                restart = { start_grace = "100ms" }
                recovery = ["restart"]
                reserve_memory = "4096G"
                """
        )
        let pid = try #require(try await vigild.waitForEvent(.targetStarted, target: "big").pid)
        try await vigild.waitForEvent(.daemonReady)
        kill(pid, SIGKILL)
        let refused = try await vigild.waitForEvent(.admissionRefused, target: "big")
        #expect(
            refused.message.contains("needs 4 TiB of memory") || refused.message.contains("of memory"),
            "\(refused)"
        )
        let exhausted = try await vigild.waitForEvent(.recoveryExhausted, target: "big")
        #expect(exhausted.message.contains("not admitted"), "\(exhausted)")
        #expect(vigild.events(.targetStarted, target: "big").count == 1)
    }

    @Test func inMaintenanceAFailureIsReportedAndNothingIsRecovered() async throws {
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "svc"
                exec = ["/bin/sleep", "1000"]
                restart = { start_grace = "100ms" }
                recovery = ["restart"]
                """
        )
        let pid = try #require(try await vigild.waitForEvent(.targetStarted, target: "svc").pid)
        try await vigild.waitForEvent(.daemonReady)
        let on = try ControlProbe.ask(
            vigild.controlSocket,
            ControlRequest(command: .maintenance, target: "svc", enabled: true)
        )
        #expect(on.ok)
        kill(pid, SIGKILL)
        try await vigild.waitForEvent(.recoverySuppressed, target: "svc")
        try await Task.sleep(for: .milliseconds(300))
        #expect(vigild.events(.targetStarted, target: "svc").count == 1, "no step ran")
        _ = try ControlProbe.ask(
            vigild.controlSocket,
            ControlRequest(command: .maintenance, target: "svc", enabled: false)
        )
        // Leaving maintenance with the target still down starts the ladder.
        try await vigild.waitForEvent(.targetStarted, target: "svc", count: 2)
    }

    @Test func aHookThatOverrunsItsActionTimeoutIsKilledAndTheNextStepRuns() async throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let pidFile = directory + "/hook.pid"
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "svc"
                exec = ["/bin/sleep", "1000"]
                restart = { start_grace = "100ms" }
                recovery = ["exec:hang", "restart"]
                action_timeout = "1s"
                hooks = { hang = ["/bin/sh", "-c", "echo $$ > \(pidFile); exec sleep 1000"] }
                """
        )
        let pid = try #require(try await vigild.waitForEvent(.targetStarted, target: "svc").pid)
        try await vigild.waitForEvent(.daemonReady)
        kill(pid, SIGKILL)
        let failed = try await vigild.waitForEvent(.recoveryStepFailed, target: "svc")
        #expect(failed.message.contains("exec:hang"), "\(failed)")
        try await vigild.waitForEvent(.targetStarted, target: "svc", count: 2)
        let hook = try #require(
            Int32(
                (try String(contentsOfFile: pidFile, encoding: .utf8)).trimmingCharacters(in: .whitespacesAndNewlines)
            )
        )
        #expect(try await ProcessProbe.waitUntilGone(hook), "the overrunning hook \(hook) was killed")
    }

    @Test func aFailingHookSaysWhyInTheStepsEventFromItsOwnOutput() async throws {
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "svc"
                exec = ["/bin/sleep", "1000"]
                restart = { start_grace = "100ms" }
                recovery = ["exec:vip", "restart"]
                hooks = { vip = ["/bin/sh", "-c", "echo moving 192.0.2.10; echo switch unreachable >&2; exit 3"] }
                """
        )
        let pid = try #require(try await vigild.waitForEvent(.targetStarted, target: "svc").pid)
        try await vigild.waitForEvent(.daemonReady)
        kill(pid, SIGKILL)
        let failed = try await vigild.waitForEvent(.recoveryStepFailed, target: "svc")
        #expect(failed.message.contains("hook vip ended with"), "\(failed)")
        #expect(failed.message.contains("moving 192.0.2.10 | switch unreachable"), "its output: \(failed)")
        try await vigild.waitForEvent(.targetStarted, target: "svc", count: 2)
    }
}
