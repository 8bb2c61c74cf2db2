import Foundation
import Testing
import VigilCore
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// vigild supervising real child processes: crashes, crash loops, shutdown and stop escalation.
@Suite struct SupervisionTests {
    @Test func restartsAProcessKilledWithSigkillAndSaysSoWithStructuredFields() async throws {
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "sleeper"
                exec = ["/bin/sleep", "1000"]
                restart = { backoff = "0..1s", start_grace = "100ms" }
                """
        )
        let first = try await vigild.waitForEvent(.targetStarted, target: "sleeper")
        let firstPID = try #require(first.pid)
        try await vigild.waitForEvent(.daemonReady)
        #expect(getpgid(firstPID) == firstPID, "each target leads its own process group")
        #expect(kill(firstPID, SIGKILL) == 0)
        let exited = try await vigild.waitForEvent(.targetExited, target: "sleeper")
        #expect(exited.pid == firstPID)
        #expect(exited.fields["VIGIL_SIGNAL"] == "SIGKILL")
        #expect(exited.fields["VIGIL_CORE_DUMPED"] == "0")
        #expect(exited.fields["MESSAGE_ID"] == EventKind.targetExited.messageID)
        #expect(exited.fields["VIGIL_MONOTONIC_USEC"] != nil)
        let detect = try #require(exited.fields["VIGIL_DETECT_USEC"].flatMap(Int.init), "kernel exit time known")
        #expect(detect >= 0)
        #expect(exited.priority == 4)
        let scheduled = try await vigild.waitForEvent(.restartScheduled, target: "sleeper")
        #expect(scheduled.fields["VIGIL_ATTEMPT"] == "1")
        #expect(scheduled.fields["VIGIL_BACKOFF_USEC"] == "0")
        let second = try await vigild.waitForEvent(.targetStarted, target: "sleeper", count: 2)
        let secondPID = try #require(second.pid)
        #expect(secondPID != firstPID)
        #expect(ProcessProbe.isRunning(secondPID))
        #expect(vigild.strayOutput.isEmpty)
    }

    @Test func classifiesExitStatusAndCoreDumps() async throws {
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "three"
                exec = ["/bin/sh", "-c", "exit 3"]
                restart = { mode = "on-failure", backoff = "10s..10s" }

                [[target]]
                name = "segv"
                exec = ["/bin/sh", "-c", "kill -SEGV $$"]
                restart = { mode = "never" }

                [[target]]
                name = "clean"
                exec = ["/bin/true"]
                restart = { mode = "on-failure" }
                """
        )
        let three = try await vigild.waitForEvent(.targetExited, target: "three")
        #expect(three.fields["VIGIL_EXIT_STATUS"] == "3")
        try await vigild.waitForEvent(.restartScheduled, target: "three")
        let segv = try await vigild.waitForEvent(.targetExited, target: "segv")
        #expect(segv.fields["VIGIL_SIGNAL"] == "SIGSEGV")
        let clean = try await vigild.waitForEvent(.targetExited, target: "clean")
        #expect(clean.fields["VIGIL_EXIT_STATUS"] == "0")
        try await vigild.waitForEvent(.daemonReady)
        #expect(vigild.events(.restartScheduled, target: "clean").isEmpty, "on-failure leaves exit 0 alone")
        #expect(vigild.events(.restartScheduled, target: "segv").isEmpty, "never restarts nothing")
    }

    @Test func crashLoopEndsInFailedWithItsOwnEventAndNoFurtherRestarts() async throws {
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "crasher"
                exec = ["/bin/sh", "-c", "exit 1"]
                restart = { backoff = "10ms..50ms", burst = 3, within = "1m" }
                """
        )
        let gaveUp = try await vigild.waitForEvent(.targetGaveUp, target: "crasher")
        #expect(gaveUp.fields["VIGIL_RESTARTS"] == "3")
        #expect(gaveUp.priority == 2)
        #expect(gaveUp.fields["MESSAGE_ID"] == EventKind.targetGaveUp.messageID)
        // The first start and three restarts; nothing after giving up.
        try await Task.sleep(for: .milliseconds(500))
        #expect(vigild.events(.targetStarted, target: "crasher").count == 4)
        #expect(vigild.events(.restartScheduled, target: "crasher").count == 3)
        let backoffs = vigild.events(.restartScheduled, target: "crasher").compactMap {
            $0.fields["VIGIL_BACKOFF_USEC"].flatMap(Int.init)
        }
        #expect(backoffs.count == 3 && backoffs.allSatisfy { (10_000...50_000).contains($0) })
    }

    @Test func sigtermStopsEveryChildLeavesNoOrphanAndExitsZero() async throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "parent"
                exec = ["/bin/sh", "-c", "sleep 1000 & echo $! > \(directory)/a; sleep 1000 & echo $! > \(directory)/b; wait"]

                [[target]]
                name = "single"
                exec = ["/bin/sleep", "1000"]
                """
        )
        try await vigild.waitForEvent(.daemonReady)
        let parent = try #require(vigild.events(.targetStarted, target: "parent").first?.pid)
        let single = try #require(vigild.events(.targetStarted, target: "single").first?.pid)
        let grandchildren = try ["a", "b"].map { name in
            try #require(
                Int32(
                    try String(contentsOfFile: "\(directory)/\(name)", encoding: .utf8).trimmingCharacters(
                        in: .whitespacesAndNewlines
                    )
                )
            )
        }
        for pid in [parent, single] + grandchildren {
            #expect(ProcessProbe.isRunning(pid))
        }
        vigild.signal(SIGTERM)
        let status = try await vigild.waitForExit()
        #expect(status == 0)
        for pid in [parent, single] + grandchildren {
            #expect(try await ProcessProbe.waitUntilGone(pid), "pid \(pid) survived vigild's shutdown")
        }
        #expect(vigild.events(.daemonStopping).count == 1)
        #expect(vigild.events(.targetExited).allSatisfy { $0.fields["VIGIL_EXPECTED"] == "1" })
        #expect(vigild.events(.targetExited).count == 2)
    }

    @Test func targetIgnoringItsStopSignalIsKilledAfterStopTimeout() async throws {
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "stubborn"
                exec = ["/bin/sh", "-c", "trap '' TERM; while :; do sleep 0.05; done"]
                stop_timeout = "300ms"
                """
        )
        try await vigild.waitForEvent(.daemonReady)
        let pid = try #require(vigild.events(.targetStarted, target: "stubborn").first?.pid)
        vigild.signal(SIGINT)
        let escalated = try await vigild.waitForEvent(.stopEscalated, target: "stubborn")
        #expect(escalated.fields["VIGIL_SIGNAL"] == "SIGKILL")
        #expect(try await vigild.waitForExit() == 0)
        let exited = try #require(vigild.events(.targetExited, target: "stubborn").first)
        #expect(exited.fields["VIGIL_SIGNAL"] == "SIGKILL")
        #expect(exited.fields["VIGIL_DETECT_USEC"].flatMap(Int.init) != nil, "vigild sent the SIGKILL itself")
        #expect(try await ProcessProbe.waitUntilGone(pid))
    }

    @Test func aTargetThatCannotBeRestartedReportsWhyAndIsRetried() async throws {
        let workdir = try VigildProcess.makeDirectory()
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "homeless"
                exec = ["/bin/sleep", "1000"]
                cwd = "\(workdir)"
                restart = { backoff = "20ms..20ms", burst = 2, within = "1m" }
                """
        )
        let pid = try #require(try await vigild.waitForEvent(.targetStarted, target: "homeless").pid)
        try FileManager.default.removeItem(atPath: workdir)
        kill(pid, SIGKILL)
        let failed = try await vigild.waitForEvent(.targetSpawnFailed, target: "homeless")
        #expect(failed.fields["VIGIL_ERROR"]?.hasPrefix("chdir \(workdir): No such file or directory") == true)
        try await vigild.waitForEvent(.targetGaveUp, target: "homeless")
    }

    @Test func targetOutputIsPassedThroughAndSystemdVariablesAreNotInherited() async throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "env"
                exec = ["/bin/sh", "-c", "env > \(directory)/env; echo out from env; exec sleep 1000"]
                env = { GREETING = "hello world" }
                """,
            environment: ["NOTIFY_SOCKET": "/nonexistent/notify", "WATCHDOG_USEC": "1000000000"]
        )
        try await vigild.waitForEvent(.daemonReady)
        let environment = try String(contentsOfFile: "\(directory)/env", encoding: .utf8)
        #expect(environment.contains("GREETING=hello world\n"))
        #expect(!environment.contains("NOTIFY_SOCKET="))
        #expect(!environment.contains("WATCHDOG_USEC="))
        // vigild logs to stderr here, so its targets write to its own stdout (with a journal, to their own streams).
        try await vigild.waitFor("target output on vigild's stdout") { _ in
            vigild.standardOutput.contains("out from env\n") ? true : nil
        }
    }
}
