import Foundation
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

/// Process targets driven by an actuator other than vigild's spawner: a daemon that forks itself away and writes a
/// PID file, started and stopped by `exec` hooks, or only watched and signalled (`signal`).
@Suite struct ActuatorTargetTests {
    /// A start script like an init script's: refuses to start over an existing PID file (as many daemons do),
    /// daemonizes `sleep` in a session of its own, which writes its PID; returns once it has; each run is logged.
    static func writeScripts(in directory: String) throws {
        try ExecutableFile.write(
            """
            #!/bin/sh
            echo start >> \(directory)/runs.log
            [ -e \(directory)/d.pid ] && { echo "pid file exists" >&2; exit 1; }
            setsid sh -c 'echo $$ > \(directory)/d.pid.new && mv \(directory)/d.pid.new \(directory)/d.pid && exec sleep 1000' \
                < /dev/null > /dev/null 2>&1 &
            # Like a real daemon's parent: return once the daemon has left the session and written its PID.
            while [ ! -s \(directory)/d.pid ]; do sleep 0.01; done
            """,
            to: directory + "/start.sh"
        )
        try ExecutableFile.write(
            """
            #!/bin/sh
            echo stop >> \(directory)/runs.log
            kill "$(cat \(directory)/d.pid)" && rm -f \(directory)/d.pid
            """,
            to: directory + "/stop.sh"
        )
    }

    static func runs(_ directory: String) -> [String] {
        ((try? String(contentsOfFile: directory + "/runs.log", encoding: .utf8)) ?? "").split(separator: "\n")
            .map(String.init)
    }

    @Test func anExecActuatorStartsADaemonThatIsWatchedThroughItsPidFileAndAdoptedAfterARestart() async throws {
        let directory = try VigildProcess.makeDirectory()
        var daemons: [Int32] = []
        defer {
            for pid in daemons where ProcessProbe.isRunning(pid) {
                kill(pid, SIGKILL)
            }
            try? FileManager.default.removeItem(atPath: directory)
        }
        try Self.writeScripts(in: directory)
        let config = """
            [daemon]
            state_dir = "\(directory)/state"

            [[target]]
            name = "daemon"
            pid_file = "\(directory)/d.pid"
            start_timeout = "10s"
            restart = { start_grace = "100ms", backoff = "0..200ms" }
            actuator = { name = "exec", start = ["\(directory)/start.sh"], stop = ["\(directory)/stop.sh"] }
            """
        // Kept until the end: dropping a VigildProcess kills the process groups of the targets it started.
        let vigild: VigildProcess! = try VigildProcess(config: config)
        let first = try #require(try await vigild!.waitForEvent(.targetStarted, target: "daemon").pid)
        daemons.append(first)
        try await vigild!.waitForEvent(.daemonReady)
        #expect(try String(contentsOfFile: directory + "/d.pid", encoding: .utf8) == "\(first)\n")
        #expect(ProcessProbe.isRunning(first))

        // It dies: seen through its pidfd (not vigild's child), its stale PID file removed before the start hook
        // runs again (the hook refuses to start over one), and started again.
        kill(first, SIGKILL)
        let exited = try await vigild!.waitForEvent(.targetExited, target: "daemon")
        #expect(exited.fields["VIGIL_CAUSE"]?.contains("not vigild's child") == true, "\(exited)")
        let second = try #require(try await vigild!.waitForEvent(.targetStarted, target: "daemon", count: 2).pid)
        daemons.append(second)
        #expect(second != first && ProcessProbe.isRunning(second))
        #expect(Self.runs(directory) == ["start", "start"], "\(Self.runs(directory))")
        let reclaimed = vigild!.events(.targetReclaimed, target: "daemon")
        #expect(reclaimed.contains { $0.message.contains("removed stale PID file") }, "\(reclaimed)")

        // vigild stops: the daemon is not vigild's child and keeps running; the next vigild adopts it through the
        // PID file and the state file, and does not run the start hook a third time.
        vigild!.signal(SIGTERM)
        #expect(try await vigild!.waitForExit() == 0)
        #expect(ProcessProbe.isRunning(second))
        let again = try VigildProcess(config: config)
        let adopted = try #require(try await again.waitForEvent(.targetAdopted, target: "daemon").pid)
        #expect(adopted == second)
        #expect(again.events(.targetStarted, target: "daemon").isEmpty, "adopted, not started")
        #expect(Self.runs(directory) == ["start", "start"])

        // An operator's stop runs the stop hook.
        let stopped = try ProcessProbe.run(
            VigildProcess.siblingExecutable("vigilctl"),
            ["stop", "--socket", again.controlSocket, "daemon"]
        )
        #expect(stopped.status == 0, "\(stopped.err)")
        #expect(try await ProcessProbe.waitUntilGone(second))
        #expect(Self.runs(directory) == ["start", "start", "stop"])
    }

    @Test func aSignalActuatorWatchesADaemonItCannotStartAndStopsItWithItsSignal() async throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Started with vigil's own launcher: a Foundation `Process` would inherit the test thread's blocked signals.
        let daemon = try ProcessLauncher.spawn(
            LaunchSpec(path: "/bin/sleep", arguments: ["sleep", "1000"], environment: [])
        )
        close(daemon.pidfd)
        var reaped = false
        defer {
            if !reaped {
                kill(daemon.pid, SIGKILL)
                waitpid(daemon.pid, nil, 0)
            }
        }
        try "\(daemon.pid)\n".write(toFile: directory + "/d.pid", atomically: true, encoding: .utf8)
        let vigild = try VigildProcess(
            config: """
                [[target]]
                name = "legacy"
                pid_file = "\(directory)/d.pid"
                actuator = { name = "signal", stop_signal = "USR1" }
                """
        )
        let adopted = try #require(try await vigild.waitForEvent(.targetAdopted, target: "legacy").pid)
        #expect(adopted == daemon.pid)
        let stopped = try ProcessProbe.run(
            VigildProcess.siblingExecutable("vigilctl"),
            ["stop", "--socket", vigild.controlSocket, "legacy"]
        )
        #expect(stopped.status == 0, "\(stopped.err)")
        var status: Int32 = 0
        #expect(waitpid(daemon.pid, &status, 0) == daemon.pid)
        reaped = true
        #expect(status & 0x7f == SIGUSR1, "killed by its stop signal, status \(status)")
    }

    @Test func anUnknownActuatorOrBadSettingsAreRefusedAtLoad() throws {
        let directory = try VigildProcess.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/bad.toml"
        try """
        [[target]]
        name = "a"
        pid_file = "/run/a.pid"
        actuator = "telepathy"

        [[target]]
        name = "b"
        pid_file = "/run/b.pid"
        actuator = { name = "exec", start = ["/nonexistent/start"] }

        [[target]]
        name = "c"
        exec = ["/bin/true"]
        actuator = { name = "process", start = ["/bin/true"] }
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try ProcessProbe.run(VigildProcess.binary, ["--check-config", file])
        #expect(result.status == 1)
        #expect(
            result.err.contains(
                "target[a].actuator.name: unknown actuator \"telepathy\" (known: exec, libvirt, process, signal, systemd)"
            ),
            "\(result.err)"
        )
        #expect(result.err.contains("target[b].actuator.start:"), "\(result.err)")
        #expect(result.err.contains("target[c].actuator.start: the process actuator has no settings"), "\(result.err)")
    }
}
