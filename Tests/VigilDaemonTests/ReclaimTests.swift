import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Process targets in cgroups of their own, against real cgroups on this host (vigild runs outside systemd here, so
/// its targets' cgroups are `/vigil/INSTANCE/NAME` at the root of the cgroup2 hierarchy): what a target leaves
/// behind is killed before it starts again, what runs in its cgroup is adopted by a restarted vigild, and a removed
/// target's cgroup goes with it. `VigildProcess.stop` removes the cgroups even when a test fails.
@Suite struct ReclaimTests {
    /// A shell target that leaves a `sleep` of its own session behind (out of its process group, as a daemon that
    /// double-forks does), writes its PID to `file`, then runs `main`.
    static func escaping(to file: String, then main: String = "exec /bin/sleep 1000") -> String {
        "[\"/bin/sh\", \"-c\", \"setsid /bin/sleep 1000 & echo $! > \(file); \(main)\"]"
    }

    static func readPID(_ path: String) async throws -> Int32 {
        for _ in 0..<500 {
            if let text = try? String(contentsOfFile: path, encoding: .utf8),
                let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
            {
                return pid
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestCgroupError("no PID in \(path)")
    }

    static func cgroup(of pid: Int32) -> String? {
        (try? CgroupProcess.cgroups(of: pid))?.unified
    }

    static func requireCgroups() throws {
        try #require(geteuid() == 0, "making cgroups needs root")
        let mounts = CgroupLocator(mountInfo: try HostReader(root: .host).mountInfo()).mounts
        try #require(mounts.unified != nil, "cgroup2 is mounted")
    }

    @Test func aGrandchildThatLeftItsProcessGroupIsKilledBeforeTheRestartAndTheEventNamesIt() async throws {
        try Self.requireCgroups()
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "web"
                exec = \(Self.escaping(to: directory + "/grandchild"))
                restart = { start_grace = "100ms" }
                """
        )
        defer { vigild.stop() }
        let main = try #require(try await vigild.waitForEvent(.targetStarted, target: "web").pid)
        let grandchild = try await Self.readPID(directory + "/grandchild")
        let cgroupsDirectory = try #require(TestCgroup.targetCgroupsDirectory(stateDirectory: vigild.stateDirectory))
        let expected = "/vigil/" + (cgroupsDirectory as NSString).lastPathComponent + "/web"
        #expect(Self.cgroup(of: main) == expected, "the target runs in its own cgroup")
        #expect(Self.cgroup(of: grandchild) == expected, "and so does what it forks")
        #expect(getpgid(grandchild) != main, "the grandchild left the target's process group")

        kill(main, SIGKILL)
        let reclaimed = try await vigild.waitForEvent(.targetReclaimed, target: "web")
        #expect(reclaimed.fields["VIGIL_PIDS"]?.split(separator: " ").contains("\(grandchild)") == true)
        #expect(reclaimed.fields["VIGIL_CGROUP"] == expected)
        #expect(reclaimed.fields["VIGIL_LEFT"] == "0")
        let restarted = try await vigild.waitForEvent(.targetStarted, target: "web", count: 2)
        #expect(try await ProcessProbe.waitUntilGone(grandchild), "the old grandchild is gone")
        // Reclaimed before the new instance started, not after.
        let order = vigild.lines.compactMap(\.event).filter { $0 == "target-reclaimed" || $0 == "target-started" }
        #expect(order == ["target-started", "target-reclaimed", "target-started"])
        let newMain = try #require(restarted.pid)
        #expect(Self.cgroup(of: newMain) == expected)
        try await Task.sleep(for: .milliseconds(200))
        #expect(ProcessProbe.isRunning(newMain), "the new instance lives in its fresh cgroup")
        #expect(vigild.events(.targetStarted, target: "web").count == 2)
    }

    @Test func vigildKilledBeforeItRecordedASpawnAdoptsTheProcessInTheCgroupAndStartsNoSecond() async throws {
        try Self.requireCgroups()
        let state = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: state) }
        let config = """
            [daemon]
            state_dir = "\(state)"

            [[target]]
            name = "web"
            exec = ["/bin/sleep", "1000"]
            restart = { start_grace = "100ms" }
            """
        let first = try VigildProcess(config: config)
        defer { first.stop() }
        let pid = try #require(try await first.waitForEvent(.targetStarted, target: "web").pid)
        try await first.waitForEvent(.daemonReady)
        first.signal(SIGKILL)
        #expect(try await ProcessProbe.waitUntilGone(first.pid))
        // As if vigild had died between clone and writing the state file: nothing on disk names the process.
        for file in (try? FileManager.default.contentsOfDirectory(atPath: state)) ?? [] {
            try FileManager.default.removeItem(atPath: state + "/" + file)
        }
        #expect(ProcessProbe.isRunning(pid), "the target outlives vigild")

        let second = try VigildProcess(config: config)
        defer { second.stop() }
        let adopted = try await second.waitForEvent(.targetAdopted, target: "web")
        #expect(adopted.pid == pid, "the process in the cgroup, not a second instance")
        #expect(second.events(.targetStarted, target: "web").isEmpty)
        try await second.waitForEvent(.daemonReady)
        let cgroupsDirectory = try #require(TestCgroup.targetCgroupsDirectory(stateDirectory: state))
        let procs = try String(contentsOfFile: cgroupsDirectory + "/web/cgroup.procs", encoding: .utf8)
        #expect(procs.split(separator: "\n") == ["\(pid)"], "exactly one instance")
        #expect(second.events(.targetReclaimed).isEmpty)
    }

    @Test func aRemovedTargetTakesItsLeftoversAndItsCgroupWithIt() async throws {
        try Self.requireCgroups()
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let kept = """
            [[target]]
            name = "kept"
            exec = ["/bin/sleep", "1000"]
            """
        let vigild = try VigildProcess(
            config: kept + """


                [[target]]
                name = "gone"
                exec = \(Self.escaping(to: directory + "/grandchild"))
                stop_timeout = "200ms"
                """
        )
        defer { vigild.stop() }
        try await vigild.waitForEvent(.daemonReady)
        let grandchild = try await Self.readPID(directory + "/grandchild")
        let cgroupsDirectory = try #require(TestCgroup.targetCgroupsDirectory(stateDirectory: vigild.stateDirectory))
        #expect(FileManager.default.fileExists(atPath: cgroupsDirectory + "/gone"))

        var text = try String(contentsOfFile: vigild.configPath, encoding: .utf8)
        text = String(text[..<text.range(of: "\n\n[[target]]\nname = \"gone\"")!.lowerBound]) + "\n"
        try text.write(toFile: vigild.configPath, atomically: true, encoding: .utf8)
        vigild.signal(SIGHUP)
        try await vigild.waitForEvent(.reloadSucceeded)
        #expect(try await ProcessProbe.waitUntilGone(grandchild), "the removed target's leftover is killed")
        try await vigild.waitFor("the removed target's cgroup is removed") { _ in
            FileManager.default.fileExists(atPath: cgroupsDirectory + "/gone") ? nil : true
        }
        #expect(FileManager.default.fileExists(atPath: cgroupsDirectory + "/kept"))
    }

    @Test func aTargetStoppedWithSigkillThroughItsCgroupStartsAgainAndStaysUp() async throws {
        try Self.requireCgroups()
        // Ignores SIGTERM: the stop ends in SIGKILL through cgroup.kill, and the next start must not put the new
        // instance into that killed cgroup (Linux 6.18 would kill it at birth).
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "stubborn"
                exec = ["/bin/sh", "-c", "trap '' TERM; while :; do sleep 1; done"]
                stop_timeout = "200ms"
                restart = { start_grace = "100ms" }
                """
        )
        defer { vigild.stop() }
        let first = try #require(try await vigild.waitForEvent(.targetStarted, target: "stubborn").pid)
        try await vigild.waitForEvent(.daemonReady)
        let stop = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .stop, target: "stubborn"))
        #expect(stop.ok)
        try await vigild.waitForEvent(.stopEscalated, target: "stubborn")
        try await vigild.waitForEvent(.targetExited, target: "stubborn")
        #expect(try await ProcessProbe.waitUntilGone(first))
        let start = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .start, target: "stubborn"))
        #expect(start.ok)
        let second = try #require(try await vigild.waitForEvent(.targetStarted, target: "stubborn", count: 2).pid)
        #expect(second != first)
        try await Task.sleep(for: .milliseconds(300))
        #expect(ProcessProbe.isRunning(second), "the new instance lives")
        #expect(vigild.events(.targetExited, target: "stubborn").count == 1)
    }

    @Test func stoppingVigildKillsTheWholeCgroupOnSigkillAndRemovesTheEmptyCgroups() async throws {
        try Self.requireCgroups()
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The main process ignores SIGTERM, and its grandchild never sees it (another process group): only the
        // SIGKILL after stop_timeout, sent to the whole cgroup, ends both.
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "stubborn"
                exec = \(Self.escaping(to: directory + "/grandchild", then: "trap '' TERM; while :; do sleep 1; done"))
                stop_timeout = "300ms"
                """
        )
        defer { vigild.stop() }
        let main = try #require(try await vigild.waitForEvent(.targetStarted, target: "stubborn").pid)
        let grandchild = try await Self.readPID(directory + "/grandchild")
        let cgroupsDirectory = try #require(TestCgroup.targetCgroupsDirectory(stateDirectory: vigild.stateDirectory))
        vigild.signal(SIGTERM)
        #expect(try await vigild.waitForExit() == 0)
        #expect(try await ProcessProbe.waitUntilGone(main))
        #expect(try await ProcessProbe.waitUntilGone(grandchild), "the grandchild is killed with the cgroup")
        #expect(
            !FileManager.default.fileExists(atPath: cgroupsDirectory),
            "vigild removed its empty cgroups on the way out"
        )
    }
}
