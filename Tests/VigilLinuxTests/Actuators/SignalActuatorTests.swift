import Foundation
import Testing
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// The signal actuator against real child processes.
@Suite struct SignalActuatorTests {
    private func spawnSleeper() throws -> SpawnedProcess {
        try ProcessLauncher.spawn(LaunchSpec(path: "/bin/sleep", arguments: ["sleep", "1000"], environment: []))
    }

    private func reap(_ process: SpawnedProcess) -> Int32 {
        var status: Int32 = 0
        waitpid(process.pid, &status, 0)
        return status & 0x7f
    }

    @Test func killThroughAPidfdDeliversTheSignal() async throws {
        let child = try spawnSleeper()
        defer { close(child.pidfd) }
        let signal = SignalActuator(target: "w", recipient: .pidfd(child.pidfd), context: ActuatorTesting.context())
        let outcome = await ActuatorTesting.outcome(signal, .kill(.usr1))
        #expect(outcome.succeeded, "\(outcome)")
        #expect(reap(child) == VigilCore.Signal.usr1.number)
    }

    @Test func killByPidDeliversTheSignalAndFailsOnceTheProcessIsGone() async throws {
        let child = try spawnSleeper()
        defer { close(child.pidfd) }
        let signal = try ActuatorRegistry.standard.make(
            "signal",
            settings: ActuatorSettings(target: "w", values: ["pid": .integer(Int(child.pid))]),
            context: ActuatorTesting.context()
        )
        let outcome = await ActuatorTesting.outcome(signal, .kill(.kill))
        #expect(outcome.succeeded, "\(outcome)")
        #expect(reap(child) == SIGKILL)
        let again = await ActuatorTesting.outcome(signal, .kill(.kill))
        #expect(!again.succeeded, "nothing left to signal: \(again)")
        #expect(signal.supports(.revert(snapshot: nil)) == false)
    }

    @Test func stopSignalsTheWholeGroupNamedInAPidFile() async throws {
        let directory = try ActuatorTesting.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let leader = try ProcessLauncher.spawn(
            LaunchSpec(
                path: "/bin/sh",
                arguments: ["sh", "-c", "sleep 1000 & echo $! > \(directory)/child; wait"],
                environment: []
            )
        )
        defer { close(leader.pidfd) }
        try "\(leader.pid)\n".write(toFile: directory + "/pid", atomically: true, encoding: .utf8)
        let child = try #require(try await ActuatorTesting.pid(in: directory + "/child"))
        let signal = try ActuatorRegistry.standard.make(
            "signal",
            settings: ActuatorSettings(
                target: "w",
                values: [
                    "pid_file": .string(directory + "/pid"), "process_group": .bool(true),
                    "stop_signal": .string("HUP"),
                ]
            ),
            context: ActuatorTesting.context()
        )
        #expect(await ActuatorTesting.outcome(signal, .stop).succeeded)
        #expect(try await ActuatorTesting.waitUntilGone(child), "SIGHUP reached the group's other member")
        _ = reap(leader)
        let missing = try ActuatorRegistry.standard.make(
            "signal",
            settings: ActuatorSettings(target: "w", values: ["pid_file": .string(directory + "/nope")]),
            context: ActuatorTesting.context()
        )
        guard case .failed(let reason, _) = await ActuatorTesting.outcome(missing, .kill(.term)) else {
            Issue.record("a missing pid file is a failure")
            return
        }
        #expect(reason.contains(directory + "/nope"), "\(reason)")
        #expect(!missing.supports(.start))
    }
}
