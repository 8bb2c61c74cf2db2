import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// vigild killed with SIGKILL and started again on the same state directory: it adopts what runs, keeps the roles
/// of a failed-over service, and finishes a failover that was under way, never leaving two actives.
@Suite struct StateFileTests {
    /// Processes the test must kill at the end: processes vigild left running when it was killed. Each is
    /// known by its PID and start time, so a PID the system has since given to another process is left alone.
    final class Leftovers {
        private var processes: [(pid: Int32, started: UInt64?)] = []

        func append(_ pid: Int32) {
            processes.append((pid, try? CgroupProcess.stat(of: pid).startTicks))
        }

        deinit {
            for (pid, started) in processes
            where started != nil && (try? CgroupProcess.stat(of: pid).startTicks) == started {
                if getpgid(pid) == pid {
                    kill(-pid, SIGKILL)
                }
                kill(pid, SIGKILL)
            }
        }
    }

    static func running(_ pids: [Int32?]) -> [Int32] {
        pids.compactMap { $0 }.filter(ProcessProbe.isRunning)
    }

    @Test func aRestartedVigildAnnouncesTheRunningProcessAsAdoptedNotStartedAndCountsNoStartForIt() async throws {
        let state = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let leftovers = Leftovers()
        let config = """
            [daemon]
            state_dir = "\(state)"

            [[target]]
            name = "web"
            exec = ["/bin/sleep", "1000"]
            restart = { start_grace = "100ms" }
            """
        let first = try VigildProcess(config: config)
        let pid = try #require(try await first.waitForEvent(.targetStarted, target: "web").pid)
        leftovers.append(pid)
        try await first.waitForEvent(.daemonReady)
        first.signal(SIGKILL)
        // Not waitForExit: the targets share vigild's stderr and keep it open.
        #expect(try await ProcessProbe.waitUntilGone(first.pid))
        #expect(ProcessProbe.isRunning(pid), "the target outlives vigild")

        let second = try VigildProcess(config: config)
        let adopted = try await second.waitForEvent(.targetAdopted, target: "web")
        #expect(adopted.pid == pid, "the same process, not a second instance")
        #expect(adopted.fields["MESSAGE_ID"] == EventKind.targetAdopted.messageID, "\(adopted)")
        try await second.waitForEvent(.daemonReady)
        #expect(second.events(.targetStarted, target: "web").isEmpty, "an adoption is not a start")
        let before = try ControlProbe.ask(second.controlSocket, ControlRequest(command: .report)).report
        let adoptedFigures = try #require(before?.first { $0.target == "web" })
        #expect(adoptedFigures.recoveries.isEmpty && adoptedFigures.failures == 0, "\(adoptedFigures)")
        #expect(adoptedFigures.availabilityPercent == 100, "\(adoptedFigures)")
        // Adopted, it is still supervised: killed, it is noticed and started again.
        kill(pid, SIGKILL)
        let exited = try await second.waitForEvent(.targetExited, target: "web")
        #expect(exited.pid == pid)
        let replacement = try #require(try await second.waitForEvent(.targetStarted, target: "web").pid)
        #expect(replacement != pid)
        #expect(Self.running([pid, replacement]) == [replacement])
        // The replacement is the one start the report counts.
        let after = try ControlProbe.ask(second.controlSocket, ControlRequest(command: .report)).report
        #expect(after?.first { $0.target == "web" }?.recoveries == ["restart": 1], "\(String(describing: after))")
    }

    @Test func vigildKilledInTheMiddleOfAFailoverFinishesItWithExactlyOneActive() async throws {
        let state = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let leftovers = Leftovers()
        // The primary ignores SIGTERM, so fencing it takes stop_timeout: long enough (30 s) to kill vigild meanwhile.
        // The vigild started afterwards has a shorter one, to finish the fence quickly.
        let config = """
            [daemon]
            state_dir = "\(state)"

            [[target]]
            name = "a"
            exec = ["/bin/sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"]
            stop_timeout = "30s"
            restart = { start_grace = "100ms" }
            recovery = ["failover"]
            standbys = ["b"]

            [[target]]
            name = "b"
            exec = ["/bin/sleep", "1000"]
            restart = { start_grace = "100ms" }
            """
        let first = try VigildProcess(config: config)
        let primary = try #require(try await first.waitForEvent(.targetStarted, target: "a").pid)
        leftovers.append(primary)
        try await first.waitForEvent(.daemonReady)
        let moved = try ControlProbe.ask(first.controlSocket, ControlRequest(command: .failover, target: "a"))
        #expect(moved.ok, "\(moved)")
        try await first.waitForEvent(.targetStopping, target: "a")
        try await Task.sleep(for: .milliseconds(200))
        first.signal(SIGKILL)
        // Not waitForExit: the targets share vigild's stderr and keep it open.
        #expect(try await ProcessProbe.waitUntilGone(first.pid))
        #expect(ProcessProbe.isRunning(primary), "vigild died while fencing the primary")
        #expect(first.events(.targetStarted, target: "b").isEmpty, "nobody was promoted yet")
        let saved = StateStore(directory: state).load()
        #expect(saved.problem == nil)
        #expect(saved.state?.targets["a"]?.failover?.phase == .fencing)

        let second = try VigildProcess(config: config.replacingOccurrences(of: "\"30s\"", with: "\"1s\""))
        let resumed = try await second.waitForEvent(.failoverProgress, target: "a")
        #expect(resumed.message.contains("resuming the failover"), "\(resumed)")
        try await second.waitForEvent(.failoverCompleted, target: "a", timeout: .seconds(20))
        let standby = try #require(try await second.waitForEvent(.targetStarted, target: "b").pid)
        leftovers.append(standby)
        #expect(Self.running([primary, standby]) == [standby], "exactly one active")
        // The roles are in the state file: a third vigild keeps b active and a down.
        second.signal(SIGKILL)
        // Not waitForExit: the targets share vigild's stderr and keep it open.
        #expect(try await ProcessProbe.waitUntilGone(second.pid))
        let roles = StateStore(directory: state).load().state?.targets["a"]?.roles
        #expect(roles?.active == "b")
        let third = try VigildProcess(config: config.replacingOccurrences(of: "\"30s\"", with: "\"1s\""))
        let adopted = try await third.waitForEvent(.targetAdopted, target: "b")
        #expect(adopted.pid == standby)
        try await third.waitForEvent(.daemonReady)
        #expect(third.events(.targetStarted, target: "a").isEmpty)
        #expect(Self.running([primary, standby]) == [standby])
    }

    @Test func aCorruptStateFileIsSetAsideAndVigildStartsFromWhatRuns() async throws {
        let state = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        try "vigil-state 1 length=99 sha256=00\n{\"truncated".write(
            toFile: state + "/state.json",
            atomically: true,
            encoding: .utf8
        )
        let vigild = try VigildProcess(
            config: """
                [daemon]
                state_dir = "\(state)"

                [[target]]
                name = "web"
                exec = ["/bin/sleep", "1000"]
                """
        )
        let corrupt = try await vigild.waitForEvent(.stateFileCorrupt)
        let aside = try #require(corrupt.fields["VIGIL_SET_ASIDE"])
        #expect(FileManager.default.fileExists(atPath: aside))
        try await vigild.waitForEvent(.targetStarted, target: "web")
        try await vigild.waitForEvent(.daemonReady)
        try await Task.sleep(for: .milliseconds(200))
        #expect(StateStore(directory: state).load().state?.targets["web"]?.pid != nil, "a valid file written again")
    }

    @Test func aStandbyPromotedJustBeforeVigildDiedIsAdoptedAndThePrimaryNotStartedAgain() async throws {
        let state = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let leftovers = Leftovers()
        // What a vigild killed right after starting the standby leaves: the failover at "promoting", the roles not
        // yet moved, the standby's process running (an orphan now) with its PID and start time on disk.
        let orphan = try ProcessLauncher.spawn(
            LaunchSpec(path: "/bin/sleep", arguments: ["sleep", "1000"], environment: [])
        )
        leftovers.append(orphan.pid)
        let ticks = try #require(try CgroupProcess.stat(of: orphan.pid).startTicks)
        var progress = FailoverProgress(primary: "a", trigger: "test")
        progress.phase = .promoting
        progress.standby = "b"
        progress.primaryConfirmedDead = true
        progress.sequence = 3
        var saved = PersistedState(generation: 7)
        saved.targets["a"] = PersistedTargetState(
            role: .primary,
            failover: progress,
            roles: FailoverRoles(active: "a", standbys: ["b"])
        )
        saved.targets["b"] = PersistedTargetState(role: .standby, pid: orphan.pid, pidStartTime: ticks)
        try StateStore(directory: state).save(saved)

        let vigild = try VigildProcess(
            config: """
                [daemon]
                state_dir = "\(state)"

                [[target]]
                name = "a"
                exec = ["/bin/sleep", "1000"]
                recovery = ["failover"]
                standbys = ["b"]

                [[target]]
                name = "b"
                exec = ["/bin/sleep", "1000"]
                """
        )
        let adopted = try await vigild.waitForEvent(.targetAdopted, target: "b")
        #expect(adopted.pid == orphan.pid, "the running standby is adopted, not started a second time")
        #expect(vigild.events(.targetStarted, target: "b").isEmpty)
        try await vigild.waitForEvent(.failoverCompleted, target: "a")
        try await vigild.waitForEvent(.daemonReady)
        #expect(vigild.events(.targetStarted, target: "a").isEmpty, "the fenced primary is not started again")
        let roles = StateStore(directory: state).load().state?.targets["a"]?.roles
        #expect(roles?.active == "b")
    }
}
