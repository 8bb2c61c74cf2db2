import Dispatch
import Foundation
import Testing
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// The built-in process actuator with real children: spawn, signals to the group, stop with escalation.
@Suite struct ProcessActuatorTests {
    static func actuator(_ script: String) -> ProcessActuator {
        ProcessActuator(
            target: "proc",
            launch: LaunchSpec(path: "/bin/sh", arguments: ["sh", "-c", script], environment: ["PATH=/usr/bin:/bin"]),
            journalOutput: false,
            context: ActuatorTesting.context()
        )
    }

    /// Starts the actuator's process and takes the child, reaped on exit by a watcher the test keeps.
    static func start(_ actuator: ProcessActuator) async throws -> (SpawnedProcess, PidfdWatcher) {
        let outcome = await ActuatorTesting.outcome(actuator, .start)
        let pid = try #require(outcome.report?.pid, "\(outcome)")
        let process = try #require(actuator.claim(pid))
        #expect(actuator.claim(pid) == nil, "a child is claimed once")
        let watcher = PidfdWatcher(process: process, queue: ActuatorTesting.queue) { @Sendable _ in }
        return (process, watcher)
    }

    @Test func startReportsTheChildAndKillSignalsItsGroup() async throws {
        let actuator = Self.actuator("exec sleep 1000")
        let (process, watcher) = try await Self.start(actuator)
        defer { ActuatorTesting.queue.sync { watcher.cancel() } }
        #expect(actuator.current == process.pid)
        #expect(ActuatorTesting.isRunning(process.pid))
        let killed = await ActuatorTesting.outcome(actuator, .kill(.term))
        #expect(killed.succeeded && killed.report?.detail?.contains("process group \(process.pid)") == true)
        #expect(try await ActuatorTesting.waitUntilGone(process.pid))
        actuator.forget(process.pid)
        #expect(actuator.current == nil)
        let nothing = await ActuatorTesting.outcome(actuator, .kill(.term))
        #expect(!nothing.succeeded, "no process to signal: \(nothing)")
    }

    /// Stop escalation is the restart policy's alone (`RestartStateMachineTests`, `SupervisionTests`): the process
    /// actuator only starts and signals, and leaves a process it cannot stop politely to it.
    @Test func stopIsLeftToTheRestartPolicyAndTheProcessIsNotTouched() async throws {
        let actuator = Self.actuator("trap '' TERM; while :; do sleep 0.05; done")
        let (process, watcher) = try await Self.start(actuator)
        defer {
            _ = try? ProcessLauncher.signalGroup(process.pid, .kill)
            ActuatorTesting.queue.sync { watcher.cancel() }
        }
        #expect(!actuator.supports(.stop))
        let stopped = await ActuatorTesting.outcome(actuator, .stop, timeout: .seconds(1))
        #expect(stopped == .unsupported(.stop))
        #expect(kill(process.pid, 0) == 0, "nothing was signalled")
    }

    @Test func revertIsUnsupported() async throws {
        let actuator = Self.actuator("exec sleep 1000")
        #expect(!actuator.supports(.revert(snapshot: nil)))
        let revert = await ActuatorTesting.outcome(actuator, .revert(snapshot: nil))
        #expect(revert == .unsupported(.revert(snapshot: nil)))
    }

    @Test func aProgramThatCannotRunIsAFailureNamingTheStep() async throws {
        let actuator = ProcessActuator(
            target: "proc",
            launch: LaunchSpec(path: "/nonexistent/prog", arguments: ["prog"], environment: []),
            journalOutput: false,
            context: ActuatorTesting.context()
        )
        let outcome = await ActuatorTesting.outcome(actuator, .start)
        guard case .failed(let reason, _) = outcome else {
            Issue.record("expected a failure, got \(outcome)")
            return
        }
        #expect(reason.contains("execve") && reason.contains("/nonexistent/prog"), "\(reason)")
    }

    @Test func pidFilesAreReadAndStaleOnesRemoved() throws {
        let directory = try ActuatorTesting.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/d.pid"
        #expect(PidFile.read(path) == .absent)
        try "\(getpid())\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(PidFile.read(path) == .live(getpid()))
        #expect(PidFile.removeIfStale(path).removed == false)
        #expect(FileManager.default.fileExists(atPath: path))
        // A PID that existed and is gone: a child that was reaped.
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        try "\(child.processIdentifier)".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(PidFile.read(path) == .stale(child.processIdentifier))
        #expect(PidFile.removeIfStale(path) == (.stale(child.processIdentifier), true))
        #expect(!FileManager.default.fileExists(atPath: path))
        try "garbage".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(PidFile.read(path) == .invalid("garbage"))
        #expect(PidFile.removeIfStale(path).removed)
    }
}
