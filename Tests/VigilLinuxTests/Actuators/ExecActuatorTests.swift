import Foundation
import Testing
import VigilCore
import VigilLinux

#if canImport(Glibc)
import Glibc
#endif

/// The exec actuator with real hooks: `/bin/sh` scripts spawned in their own process groups.
@Suite struct ExecActuatorTests {
    private func actuator(_ values: [String: ActuatorSettings.Value]) throws -> any Actuator {
        try ActuatorRegistry.standard.make(
            "exec",
            settings: ActuatorSettings(target: "web", values: values),
            context: ActuatorTesting.context()
        )
    }

    @Test func hookSeesTheVigilEnvironmentAndItsOutputComesBackInTheOutcome() async throws {
        let exec = try actuator([
            "command": .strings([
                "sh", "-c", "echo \"$VIGIL_TARGET $VIGIL_OPERATION $VIGIL_SIGNAL $EXTRA\"; echo oops >&2",
            ]),
            "env": .strings(["EXTRA=yes"]),
        ])
        let outcome = await ActuatorTesting.outcome(exec, .kill(.term))
        #expect(outcome.succeeded, "\(outcome)")
        let text = outcome.report?.output?.text ?? ""
        #expect(text.contains("web kill SIGTERM yes"), "\(text)")
        #expect(text.contains("oops"), "stderr is captured too: \(text)")
    }

    @Test func aHookPerOperationWinsOverTheCommonCommandAndSnapshotIsPassed() async throws {
        let exec = try actuator([
            "command": .strings(["/bin/false"]),
            "revert": .strings(["/bin/sh", "-c", "echo \"snapshot=$VIGIL_SNAPSHOT\""]),
        ])
        let reverted = await ActuatorTesting.outcome(exec, .revert(snapshot: "nightly"))
        #expect(reverted.report?.output?.text == "snapshot=nightly\n", "\(reverted)")
        let started = await ActuatorTesting.outcome(exec, .start)
        guard case .failed(let reason, _) = started else {
            Issue.record("start with /bin/false: \(started)")
            return
        }
        #expect(reason.contains("/bin/false ended with status 1"), "\(reason)")
    }

    @Test func anOperationWithoutHookOrCommandIsUnsupportedAndAnUnknownHookIsRefused() async throws {
        let stopOnly = try actuator(["stop": .strings(["/bin/sh", "-c", "exit 0"])])
        #expect(await ActuatorTesting.outcome(stopOnly, .stop).succeeded)
        #expect(!stopOnly.supports(.start), "no hook and no command for start")
        #expect(await ActuatorTesting.outcome(stopOnly, .start) == .unsupported(.start))
        // vigild never asks for a status or a promote: a hook for one would never run, so it is a typo to report.
        #expect(throws: ActuatorSettingsError.self) {
            try actuator(["status": .strings(["/bin/sh", "-c", "exit 0"])])
        }
    }

    @Test func anOverrunningHookIsTerminatedThenKilledWithEverythingInItsProcessGroup() async throws {
        let directory = try ActuatorTesting.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // The hook ignores SIGTERM and leaves a child behind: only SIGKILL of the whole group ends both.
        let exec = try actuator([
            "command": .strings([
                "/bin/sh", "-c", "trap '' TERM; sleep 1000 & echo $! > \(directory)/child; echo started; wait",
            ]),
            "kill_grace": .duration(.milliseconds(300)),
        ])
        let started = ContinuousClock.now
        let outcome = await ActuatorTesting.outcome(exec, .start, timeout: .milliseconds(400))
        let elapsed = ContinuousClock.now - started
        guard case .timedOut(let after, let report) = outcome else {
            Issue.record("expected a timeout: \(outcome)")
            return
        }
        #expect(after == .milliseconds(400))
        #expect(report.output?.text.contains("started") == true)
        #expect(elapsed >= .milliseconds(700), "SIGKILL only after the grace: \(elapsed)")
        // Far below the hook's own 1000 s; a loaded CI machine may take seconds to get here, so no tighter bound.
        #expect(elapsed < .seconds(300), "\(elapsed)")
        let child = try #require(try await ActuatorTesting.pid(in: directory + "/child"))
        #expect(try await ActuatorTesting.waitUntilGone(child), "the hook's child \(child) was killed with its group")
    }

    @Test func cancellingKillsTheHookAtOnceAndReportsCancelled() async throws {
        let directory = try ActuatorTesting.makeDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let exec = try actuator([
            "command": .strings(["/bin/sh", "-c", "echo $$ > \(directory)/hook; sleep 1000"])
        ])
        let started = ContinuousClock.now
        let outcome = await ActuatorTesting.outcome(
            exec,
            .start,
            timeout: .seconds(60),
            cancelAfter: .milliseconds(300)
        )
        #expect(outcome == .cancelled)
        #expect(ContinuousClock.now - started < .seconds(300), "cancelled long before the hook's own end (1000 s)")
        let hook = try #require(try await ActuatorTesting.pid(in: directory + "/hook"))
        #expect(try await ActuatorTesting.waitUntilGone(hook))
    }

    @Test func outputIsBoundedToItsLast64KiB() async throws {
        let exec = try actuator([
            "command": .strings(["/bin/sh", "-c", "yes a | head -c 200000; echo tail-marker"])
        ])
        let outcome = await ActuatorTesting.outcome(exec, .start)
        let output = try #require(outcome.report?.output)
        #expect(output.text.utf8.count == 64 * 1024)
        #expect(output.droppedBytes == 200_000 + 12 - 64 * 1024)
        #expect(output.text.hasSuffix("tail-marker\n"))
    }

    @Test func settingsAreCheckedWhenTheActuatorIsBuilt() throws {
        #expect(throws: ActuatorSettingsError.self) { try actuator(["comand": .strings(["/bin/true"])]) }
        #expect(throws: ActuatorSettingsError.self) { try actuator(["start": .strings(["no-such-program-vigil"])]) }
        #expect(throws: ActuatorSettingsError.self) { try actuator([:]) }
        #expect(throws: ActuatorSettingsError.self) {
            try ActuatorRegistry.standard.make(
                "nosuch",
                settings: ActuatorSettings(target: "web"),
                context: ActuatorTesting.context()
            )
        }
    }
}
