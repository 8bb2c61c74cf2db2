import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// `cgroup` and `vm` targets against real cgroups on this host: OOM kills, emptied cgroups, a VM's main process
/// stuck in state D, and host checks. Serialized: the OOM test measures a latency and should not share the CPUs
/// with the other cgroup tests.
@Suite(.serialized) struct CgroupTargetTests {
    /// Starts a process of the test's own (reaped by `stop`).
    final class Child {
        let process: SpawnedProcess

        init(_ arguments: [String]) throws {
            process = try ProcessLauncher.spawn(
                LaunchSpec(path: arguments[0], arguments: arguments, environment: ["PATH=/usr/bin:/bin"])
            )
        }

        var pid: Int32 { process.pid }

        deinit {
            kill(process.pid, SIGKILL)
            var status: Int32 = 0
            waitpid(process.pid, &status, 0)
            close(process.pidfd)
        }
    }

    static func monotonicMicroseconds(_ line: LogLine) -> Int64? {
        line.fields["VIGIL_MONOTONIC_USEC"].flatMap { Int64($0) }
    }

    static let hog = "python3 -c \"b = b'x' * (256 << 20)\""

    @Test func reportsAnOOMKillInTheCgroupWithin100msOfTheKernelCounterChanging() async throws {
        try #require(geteuid() == 0, "creating cgroups needs root")
        let cgroup = try TestCgroup(controllers: ["memory"])
        #expect(cgroup.write("32M", to: "memory.limit_in_bytes", controller: "memory"))
        cgroup.write("0", to: "memory.swappiness", controller: "memory")
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "box"
                kind = "cgroup"
                cgroup = "\(cgroup.path)"
                start = \(tomlArray(cgroup.shell("sleep 1000")))
                restart = { backoff = "30s..30s" }
                """
        )
        let started = try await vigild.waitForEvent(.targetStarted, target: "box")
        let main = try #require(started.pid)
        #expect(cgroup.processes.contains(main))

        let hog = try Child(cgroup.shell(Self.hog))
        let oomControl = try #require(cgroup.controllers["memory"]) + "/memory.oom_control"
        // The instant the kernel's counter is first seen to change, polling every millisecond.
        var kernelCounted: MonotonicInstant?
        let deadline = MonotonicClock.now() + .seconds(20)
        while kernelCounted == nil, MonotonicClock.now() < deadline {
            let text = (try? FileText.read(oomControl)) ?? ""
            if let kills = try? MemoryOOMControl.parse(text).oomKills, kills > 0 {
                kernelCounted = MonotonicClock.now()
            } else {
                usleep(1000)
            }
        }
        let counted = try #require(kernelCounted, "the kernel OOM-killed the hog (pid \(hog.pid))")
        let event = try await vigild.waitForEvent(.cgroupOOMKill, target: "box")
        #expect(event.fields["VIGIL_OOM_KILLS"] == "1")
        #expect(event.fields["VIGIL_OOM_KILLS_BEFORE"] == "0")
        #expect(event.fields["VIGIL_CGROUP"] == cgroup.path)
        #expect(event.fields["MESSAGE_ID"] == EventKind.cgroupOOMKill.messageID)
        let seenAt = try #require(Self.monotonicMicroseconds(event))
        let latency = Double(seenAt - counted.nanoseconds / 1000) / 1000
        print("OOM kill: vigild's event \(latency) ms after the test saw the kernel's counter change")
        #expect(latency < 100, "vigild reported the OOM kill \(latency) ms after the counter changed")
        // The hog was the victim, not the main process: the target lives on.
        try await Task.sleep(for: .milliseconds(300))
        #expect(vigild.events(.targetExited, target: "box").isEmpty)
        #expect(ProcessProbe.isRunning(main))
    }

    @Test func aCgroupWhoseMainProcessIsOOMKilledIsDeadAndRestarted() async throws {
        try #require(geteuid() == 0, "creating cgroups needs root")
        let cgroup = try TestCgroup(controllers: ["memory"])
        #expect(cgroup.write("32M", to: "memory.limit_in_bytes", controller: "memory"))
        cgroup.write("0", to: "memory.swappiness", controller: "memory")
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "box"
                kind = "cgroup"
                cgroup = "\(cgroup.path)"
                start = \(tomlArray(cgroup.shell("python3 -c \"import time; time.sleep(0.5); b = b'x' * (256 << 20)\"")))
                restart = { backoff = "200ms..200ms", stable_after = "0" }
                """
        )
        let first = try await vigild.waitForEvent(.targetStarted, target: "box")
        try await vigild.waitForEvent(.cgroupOOMKill, target: "box")
        let exited = try await vigild.waitForEvent(.targetExited, target: "box")
        #expect(exited.pid == first.pid)
        #expect(exited.fields["VIGIL_CAUSE"]?.contains("OOM") == true, "\(exited)")
        let second = try await vigild.waitForEvent(.targetStarted, target: "box", count: 2)
        #expect(second.pid != first.pid)
    }

    @Test func anEmptiedCgroupIsReportedAsPopulated0AndStartedAgain() async throws {
        try #require(geteuid() == 0, "creating cgroups needs root")
        let cgroup = try TestCgroup()
        // Something already runs in the cgroup: vigild adopts it rather than starting a second instance.
        let existing = try Child(cgroup.shell("sleep 1000"))
        for _ in 0..<100 where !cgroup.processes.contains(existing.pid) {
            usleep(10_000)
        }
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "svc"
                kind = "cgroup"
                cgroup = "\(cgroup.path)"
                start = \(tomlArray(cgroup.shell("sleep 1000")))
                restart = { backoff = "0..1s", start_grace = "100ms" }
                """
        )
        let adopted = try await vigild.waitForEvent(.targetAdopted, target: "svc")
        #expect(adopted.pid == existing.pid)
        #expect(vigild.events(.targetStarted, target: "svc").isEmpty, "found running, not started")
        try await vigild.waitForEvent(.daemonReady)
        kill(existing.pid, SIGKILL)
        let emptied = try await vigild.waitForEvent(.cgroupEmptied, target: "svc")
        #expect(emptied.fields["VIGIL_POPULATED"] == "0")
        #expect(emptied.fields["VIGIL_CGROUP"] == cgroup.path)
        let exited = try await vigild.waitForEvent(.targetExited, target: "svc")
        #expect(exited.fields["VIGIL_CAUSE"] == "cgroup emptied")
        let restarted = try await vigild.waitForEvent(.targetStarted, target: "svc")
        let newPID = try #require(restarted.pid)
        #expect(newPID != existing.pid)
        #expect(cgroup.processes.contains(newPID), "the start command filled the cgroup again")
    }

    @Test func aWatchOnlyCgroupThatStartsEmptyWaitsThenAdoptsWhatAppearsAndReportsItsEmptyingAndOOMKill()
        async throws
    {
        try #require(geteuid() == 0, "creating cgroups needs root")
        let cgroup = try TestCgroup(controllers: ["memory"])
        #expect(cgroup.write("32M", to: "memory.limit_in_bytes", controller: "memory"))
        cgroup.write("0", to: "memory.swappiness", controller: "memory")
        // Configured as the operator sees it on disk: the v1 memory directory, read as the cgroup it is.
        let directory = try #require(cgroup.controllers["memory"])
        let vigild = try VigildProcess(
            config: """
                [daemon]
                tick = "100ms"

                [[target]]
                name = "box"
                kind = "cgroup"
                cgroup = "\(directory)"
                restart = { backoff = "100ms..100ms", start_grace = "100ms", burst = 2 }
                """
        )
        let waiting = try await vigild.waitForEvent(.targetWaiting, target: "box")
        #expect(waiting.fields["VIGIL_REASON"] == "cgroup \(cgroup.path) has no processes", "\(waiting)")
        try await vigild.waitForEvent(.daemonReady)
        let table = try ProcessProbe.run(
            VigildProcess.siblingExecutable("vigilctl"),
            ["status", "--socket", vigild.controlSocket]
        )
        #expect(table.status == 3, "a waiting target is not up")
        let row = table.out.split(separator: "\n").first { $0.hasPrefix("box ") }
        #expect(row?.contains("waiting") == true, "\(table.out)")
        #expect(row?.contains("has no processes") == true, "\(table.out)")
        // Longer than burst × backoff: waiting is not a failed start, so nothing is retried or given up.
        try await Task.sleep(for: .milliseconds(600))
        #expect(vigild.events(.targetSpawnFailed, target: "box").isEmpty)
        #expect(vigild.events(.targetStarted, target: "box").isEmpty, "processes that appeared were not started")
        #expect(vigild.events(.targetGaveUp, target: "box").isEmpty)

        // A process appears: adopted (vigild did not start it), and its death empties the cgroup, which is
        // reported; then it waits again.
        let sleeper = try Child(cgroup.shell("sleep 1000"))
        let adopted = try await vigild.waitForEvent(.targetAdopted, target: "box")
        #expect(adopted.pid == sleeper.pid)
        kill(sleeper.pid, SIGKILL)
        let emptied = try await vigild.waitForEvent(.cgroupEmptied, target: "box")
        #expect(emptied.fields["VIGIL_CGROUP"] == cgroup.path)
        let exited = try await vigild.waitForEvent(.targetExited, target: "box")
        #expect(exited.pid == sleeper.pid && exited.fields["VIGIL_CAUSE"] == "cgroup emptied", "\(exited)")
        try await vigild.waitForEvent(.targetWaiting, target: "box", count: 2)

        // The next one is OOM-killed: the kill is reported and the instance is over.
        let hog = try Child(cgroup.shell("python3 -c \"import time; time.sleep(0.5); b = b'x' * (256 << 20)\""))
        let second = try await vigild.waitForEvent(.targetAdopted, target: "box", count: 2)
        #expect(second.pid == hog.pid)
        let oom = try await vigild.waitForEvent(.cgroupOOMKill, target: "box")
        #expect(oom.fields["VIGIL_CGROUP"] == cgroup.path)
        let killed = try await vigild.waitForEvent(.targetExited, target: "box", count: 2)
        #expect(killed.pid == hog.pid)
        #expect(killed.fields["VIGIL_CAUSE"]?.contains("OOM") == true, "\(killed)")
        try await vigild.waitForEvent(.targetWaiting, target: "box", count: 3)
        #expect(vigild.events(.targetSpawnFailed, target: "box").isEmpty)
        #expect(vigild.events(.targetStarted, target: "box").isEmpty, "processes that appeared were not started")
    }

    @Test func aVMWhoseMainProcessIsStuckInStateDIsFaulted() async throws {
        try #require(geteuid() == 0, "creating cgroups needs root")
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // A vfork parent waits in the kernel (state D, killable) until its child execs or exits: a real stuck
        // process without a broken disk.
        let source = directory + "/stuck.c"
        try "#include <unistd.h>\nint main(void) { if (vfork() == 0) { sleep(1000); _exit(0); } return 0; }\n"
            .write(toFile: source, atomically: true, encoding: .utf8)
        let compiled = try ProcessProbe.run("/usr/bin/cc", ["-o", directory + "/stuck", source])
        try #require(compiled.status == 0, "cc: \(compiled.err)")
        // libvirt's QEMU driver names the scope machine-qemu\x2d<id>\x2d<name>.scope, escaping '-' as \x2d.
        let cgroup = try TestCgroup(path: "/machine.slice/machine-qemu\\x2d7\\x2dguest\\x2d1.scope")
        let guest = try Child(cgroup.shell(directory + "/stuck"))
        var state: ProcessStat.State?
        for _ in 0..<200 {
            state = try? CgroupProcess.stat(of: guest.pid).state
            if state == .diskSleep { break }
            usleep(10_000)
        }
        try #require(state == .diskSleep, "the vfork parent is in state D")
        let vigild = try VigildProcess(
            config: """
                [daemon]
                tick = "200ms"

                [[target]]
                name = "guest"
                kind = "vm"
                machine = "guest-1"
                checks = [{ when = "main.uninterruptible == 1 for 1s", severity = "fault" }]
                restart = { mode = "never" }
                """
        )
        // The guest ran before vigild: adopted, not started.
        let adopted = try await vigild.waitForEvent(.targetAdopted, target: "guest")
        #expect(adopted.pid == guest.pid)
        let raised = try await vigild.waitForEvent(.checkRaised, target: "guest")
        #expect(raised.fields["VIGIL_CHECK"] == "main.uninterruptible == 1 for 1s")
        #expect(raised.fields["VIGIL_SEVERITY"] == "fault")
        let held = try #require(raised.fields["VIGIL_HELD_USEC"].flatMap(Int.init))
        #expect(held >= 1_000_000)
        let faulted = try await vigild.waitForEvent(.targetFaulted, target: "guest")
        #expect(faulted.message.contains("main.uninterruptible"))
        let exited = try await vigild.waitForEvent(.targetExited, target: "guest")
        #expect(exited.pid == guest.pid)
    }

    @Test func aHostFaultIsAnEventAndLeadsTheStatusLine() async throws {
        let vigild = try VigildProcess(
            config: """
                [daemon]
                tick = "100ms"

                [host]
                checks = [
                  { when = "load1 >= 0 for 0s", severity = "fault" },
                  { when = "memory.available > 0% for 0s" },
                ]

                [[target]]
                name = "sleeper"
                exec = ["/bin/sleep", "1000"]
                checks = [{ when = "memory.current > 90% for 0s" }]
                """
        )
        let fault = try await vigild.waitForEvent(.hostFault)
        #expect(fault.fields["VIGIL_CHECK"] == "load1 >= 0 for 0s")
        #expect(fault.fields["MESSAGE_ID"] == EventKind.hostFault.messageID)
        #expect(fault.priority == 3)
        let warning = try await vigild.waitForEvent(.checkRaised)
        #expect(warning.fields["VIGIL_SCOPE"] == "host")
        #expect(warning.priority == 4)
        try await vigild.waitForEvent(.daemonReady)
        let status = try ControlProbe.ask(vigild.controlSocket, ControlRequest(command: .status)).status
        #expect(status?.summary.hasPrefix("host fault: load1 >= 0 for 0s; ") == true, "\(String(describing: status))")
        #expect(status?.host?.faults.first?.hasSuffix("(load1 >= 0 for 0s)") == true)
        #expect(status?.host?.warnings.count == 1)
        #expect(status?.host?.pressure?["memory"] != nil, "this host has PSI")
        let table = try ProcessProbe.run(
            VigildProcess.siblingExecutable("vigilctl"),
            ["status", "--socket", vigild.controlSocket]
        )
        #expect(table.out.contains("\nhost: FAULT load1="), "\(table.out)")
        // vigild's own cgroup has no memory limit: a percentage of it cannot be judged, and vigild says so once.
        let unavailable = try await vigild.waitForEvent(.checkUnavailable, target: "sleeper")
        #expect(unavailable.fields["VIGIL_ERROR"]?.contains("no total") == true, "\(unavailable)")
        try await Task.sleep(for: .milliseconds(300))
        #expect(vigild.events(.checkUnavailable, target: "sleeper").count == 1)
    }
}

/// A TOML array of strings.
func tomlArray(_ strings: [String]) -> String {
    "["
        + strings.map {
            "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        .joined(separator: ", ") + "]"
}
