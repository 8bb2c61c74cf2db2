import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// The control socket served by the real vigild, spoken to with the bare protocol (`ControlProbe`).
@Suite struct ControlSocketTests {
    private let twoSleepers = """
        [[target]]
        name = "a"
        exec = ["/bin/sleep", "1000"]
        restart = { backoff = "0..1s", start_grace = "100ms" }

        [[target]]
        name = "b"
        exec = ["/bin/sleep", "1000"]
        restart = { backoff = "0..1s", start_grace = "100ms" }
        """

    @Test func statusReportsEveryTargetWithItsStatePidAndHealth() async throws {
        let vigild = try VigildProcess(config: twoSleepers)
        try await vigild.waitForEvent(.daemonReady)
        let response = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status))
        let status = try #require(response.status)
        #expect(response.ok)
        #expect(status.pid == vigild.pid)
        #expect(status.summary == "2 targets: 2 running")
        #expect(status.configFile == vigild.configPath)
        #expect(status.targets.map(\.name) == ["a", "b"])
        let a = try #require(status.targets.first)
        #expect(a.state == "running" && a.health == .healthy && a.kind == .process)
        #expect(a.pid == vigild.events(.targetStarted, target: "a").first?.pid)
        #expect(a.lastEvent?.event == "target-started")
        #expect(a.uptimeSeconds.map { $0 > 0 } == true)
        // The socket file is root's alone when no control group is configured.
        var info = stat()
        #expect(stat(vigild.controlSocket, &info) == 0 && info.st_mode & 0o777 == 0o600)
    }

    @Test func restartStopStartAndResetFailedDoWhatTheySay() async throws {
        let vigild = try VigildProcess(
            config: twoSleepers + """


                [[target]]
                name = "crasher"
                exec = ["/bin/sh", "-c", "exit 1"]
                restart = { backoff = "0..0", burst = 1, within = "1m" }
                """
        )
        try await vigild.waitForEvent(.targetGaveUp, target: "crasher")
        let first = try #require(try await vigild.waitForEvent(.targetStarted, target: "a").pid)

        let restart = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .restart, target: "a"))
        #expect(restart.ok && restart.message == "restarting a")
        let second = try #require(try await vigild.waitForEvent(.targetStarted, target: "a", count: 2).pid)
        #expect(second != first)
        #expect(try await ProcessProbe.waitUntilGone(first))
        let stopping = try #require(vigild.events(.targetStopping, target: "a").first)
        #expect(stopping.fields["VIGIL_REASON"] == "restart requested by root")

        let stop = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .stop, target: "b"))
        #expect(stop.ok && stop.message == "stopping b")
        try await vigild.waitForEvent(.targetExited, target: "b")
        let stopped = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status)).status
        #expect(stopped?.targets.first { $0.name == "b" }?.state == "stopped")
        let start = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .start, target: "b"))
        #expect(start.ok && start.message == "starting b")
        try await vigild.waitForEvent(.targetStarted, target: "b", count: 2)

        let notFailed = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .resetFailed, target: "a"))
        #expect(!notFailed.ok && notFailed.error?.hasPrefix("a is not failed (it is ") == true)
        let reset = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .resetFailed, target: "crasher"))
        #expect(reset.ok && reset.message == "crasher: failed state cleared, starting")
        try await vigild.waitForEvent(.targetGaveUp, target: "crasher", count: 2)

        let unknown = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .restart, target: "nope"))
        #expect(!unknown.ok && unknown.error == "no such target: nope")
    }

    @Test func maintenanceKeepsWatchingButDoesNotRestartUntilItEnds() async throws {
        let vigild = try VigildProcess(config: twoSleepers)
        try await vigild.waitForEvent(.daemonReady)
        let pid = try #require(vigild.events(.targetStarted, target: "a").first?.pid)
        let on = try ControlProbe.ask(
            vigild.controlSocket,
            ControlRequest(command: .maintenance, target: "a", enabled: true)
        )
        #expect(on.ok && on.message == "maintenance on for a")
        kill(pid, SIGKILL)
        let exited = try await vigild.waitForEvent(.targetExited, target: "a")
        #expect(exited.fields["VIGIL_MAINTENANCE"] == "1")
        try await Task.sleep(for: .milliseconds(500))
        #expect(vigild.events(.targetStarted, target: "a").count == 1, "no restart in maintenance")
        let status = try #require(try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status)).status)
        #expect(status.targets.first { $0.name == "a" }?.maintenance == true)
        #expect(status.targets.first { $0.name == "b" }?.maintenance == false)
        _ = try ControlProbe.ask(
            vigild.controlSocket,
            ControlRequest(command: .maintenance, target: "a", enabled: false)
        )
        try await vigild.waitForEvent(.targetStarted, target: "a", count: 2)
    }

    @Test func reloadOverTheSocketAnswersWithTheResultOrEveryProblem() async throws {
        let vigild = try VigildProcess(config: twoSleepers)
        try await vigild.waitForEvent(.daemonReady)
        let text = try String(contentsOfFile: vigild.configPath, encoding: .utf8)
        try (text + "\n[[target]]\nname = \"c\"\nexec = []\n").write(
            toFile: vigild.configPath,
            atomically: true,
            encoding: .utf8
        )
        let refused = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .reload))
        #expect(!refused.ok)
        #expect(refused.error == "configuration not reloaded: 1 problem(s)")
        #expect(refused.problems?.first?.contains("target[c].exec: must not be empty") == true)
        try (text + "\n[[target]]\nname = \"c\"\nexec = [\"/bin/sleep\", \"1000\"]\n")
            .write(toFile: vigild.configPath, atomically: true, encoding: .utf8)
        let reloaded = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .reload))
        #expect(
            reloaded.ok
                && reloaded.message
                    == "configuration reloaded: 1 added, 0 removed, 0 changed, 0 changed in place, 2 unchanged"
        )
        try await vigild.waitForEvent(.targetStarted, target: "c")
    }

    @Test func eventsReplayHistoryAndFollowStreamsNewOnes() async throws {
        let vigild = try VigildProcess(config: twoSleepers)
        try await vigild.waitForEvent(.daemonReady)
        let history = try ControlProbe.ask(
            vigild.controlSocket,
            ControlRequest(command: .events, target: "a", limit: 10)
        )
        #expect(history.events?.map(\.event) == ["target-started"])
        #expect(history.events?.first?.fields["PID"] != nil)
        let follower = try ControlProbe(path: vigild.controlSocket)
        try follower.send(ControlRequest(command: .events, target: "b", limit: 0, follow: true))
        #expect(try follower.next()?.events == [])
        _ = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .restart, target: "b"))
        let streamed = try [follower.next(), follower.next(), follower.next()].compactMap { $0?.events?.first }
        #expect(streamed.map(\.event) == ["target-stopping", "target-exited", "target-started"])
        #expect(streamed.allSatisfy { $0.target == "b" })
    }

    @Test func malformedOversizedAndSilentClientsAreAnsweredOrDroppedWithoutStallingOthers() async throws {
        let vigild = try VigildProcess(config: twoSleepers)
        try await vigild.waitForEvent(.daemonReady)
        let silent = try ControlProbe(path: vigild.controlSocket)
        let junk = try ControlProbe(path: vigild.controlSocket)
        junk.send(raw: Array("{ not json\n".utf8))
        let junkAnswer = try #require(try junk.next())
        #expect(!junkAnswer.ok && junkAnswer.error?.hasPrefix("malformed request") == true)
        let big = try ControlProbe(path: vigild.controlSocket)
        big.send(raw: [UInt8](repeating: UInt8(ascii: "x"), count: 70_000))
        #expect(try big.next()?.error == "request larger than 64 KiB")
        let old = try ControlProbe(path: vigild.controlSocket)
        old.send(raw: Array(#"{"version":99,"command":"status"}"#.utf8) + [10])
        #expect(try old.next()?.error?.hasPrefix("unsupported protocol version 99") == true)
        // The silent client does not hold up anyone; it is told off after 5 s.
        #expect(try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status)).ok)
        #expect(try silent.next()?.error == "no request within 5 s")
    }
}

@Suite struct ReportEndToEndTests {
    @Test func vigilctlReportCountsAKilledTargetsFailureAndRecovery() async throws {
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "web"
                exec = ["/bin/sleep", "1000"]
                restart = { backoff = "0..1s", start_grace = "100ms" }
                """
        )
        let pid = try #require(try await vigild.waitForEvent(.targetStarted, target: "web").pid)
        kill(pid, SIGKILL)
        try await vigild.waitForEvent(.targetStarted, target: "web", count: 2)
        let result = try ProcessProbe.run(
            VigildProcess.siblingExecutable("vigilctl"),
            ["report", "--json", "--socket", vigild.controlSocket]
        )
        #expect(result.status == 0, "\(result.err)")
        let report = try JSONDecoder().decode([TargetReliability].self, from: Data(result.out.utf8))
        let web = try #require(report.first)
        #expect(web.target == "web" && web.failures == 1 && web.detected == 1)
        #expect(web.recoveries == ["restart": 1])
        #expect(web.meanTimeToRecover.map { $0 > 0 && $0 < 1 } == true)
        #expect(web.availabilityPercent < 100 && web.availabilityPercent > 90)
        let table = try ProcessProbe.run(
            VigildProcess.siblingExecutable("vigilctl"),
            ["report", "--since", "1h", "--socket", vigild.controlSocket]
        )
        #expect(table.out.contains("web "))
        #expect(table.out.contains("restart 1"))
    }
}
