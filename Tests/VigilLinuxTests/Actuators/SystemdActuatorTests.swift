import Dispatch
import Foundation
import Synchronization
import Testing
import VigilCore
import VigilLinux
import VigilTestSupport

#if canImport(Glibc)
import Glibc
#endif

extension SystemIntegrationTests {
    /// The systemd actuator and unit watcher against a real systemd (PID 1 of an nspawn container) over its real
    /// D-Bus system bus.
    @Suite struct SystemdActuatorTests {
        static let units = [
            "probe.service": "[Service]\nExecStart=/bin/sleep infinity\n",
            "broken.service": "[Service]\nType=oneshot\nExecStart=/bin/false\n",
            "slow.service": "[Service]\nType=oneshot\nExecStart=/bin/sleep 30\n",
        ]

        /// What a watcher reported.
        final class Recorder: Sendable {
            let events = Mutex<[SystemdUnitWatcher.Event]>([])

            var states: [String] {
                events.withLock { list in
                    list.compactMap { event in
                        if case .state(let state) = event {
                            return state.description
                        }
                        return nil
                    }
                }
            }

            func waitFor(_ state: String, timeout: Duration = .seconds(45)) async throws -> Bool {
                let deadline = ContinuousClock.now + timeout
                while ContinuousClock.now < deadline {
                    if states.contains(state) {
                        return true
                    }
                    try await Task.sleep(for: .milliseconds(10))
                }
                return false
            }
        }

        /// Whether the unit is inactive or failed within 5 s.
        static func becomesDown(_ unit: SystemdActuator) async throws -> Bool {
            for _ in 0..<100 {
                if try await SystemdUnitState.current(of: unit, timeout: .seconds(45))?.isDown == true {
                    return true
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            return false
        }

        @Test func startStopKillAndWatchAUnitOfARealSystemd() async throws {
            try #require(geteuid() == 0, "systemd-nspawn needs root")
            try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-nspawn"))
            try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/dbus-daemon"), "apt-get install dbus")
            let container = try await SystemdContainer(units: Self.units)
            defer { container.stop() }
            #expect(try await container.waitForBus(), "the container's system bus did not appear")
            let context = ActuatorContext(completionQueue: ActuatorTesting.queue, busAddress: container.busAddress)
            func actuator(_ unit: String) throws -> SystemdActuator {
                let made = try ActuatorRegistry.standard.make(
                    "systemd",
                    settings: ActuatorSettings(target: unit, values: ["unit": .string(unit)]),
                    context: context
                )
                return try #require(made as? SystemdActuator)
            }
            let probe = try actuator("probe.service")
            let recorder = Recorder()
            let watcher = try probe.watch(queue: ActuatorTesting.queue) { @Sendable event in
                recorder.events.withLock { $0.append(event) }
            }
            defer { watcher.cancel() }
            #expect(try await recorder.waitFor("inactive (dead)"), "initial state: \(recorder.states)")

            let clock = ContinuousClock()
            var started = ActuatorOutcome.cancelled
            let startTime = await clock.measure {
                started = await ActuatorTesting.outcome(probe, .start, timeout: .seconds(45))
            }
            #expect(started.succeeded, "\(started)")
            #expect(started.report?.state?.description == "active (running)", "\(started)")
            #expect(started.report?.detail?.hasSuffix(" done") == true)
            #expect(try await recorder.waitFor("active (running)"), "\(recorder.states)")
            print("systemd actuator: StartUnit probe.service to JobRemoved done and state read: \(startTime)")

            let current = try await SystemdUnitState.current(of: probe)
            #expect(current == ActuatorTargetState(phase: .active, detail: "running", raw: "active"))

            let killed = await ActuatorTesting.outcome(probe, .kill(.kill), timeout: .seconds(45))
            #expect(killed.succeeded, "\(killed)")
            #expect(try await recorder.waitFor("failed (failed)"), "SIGKILL failed the unit: \(recorder.states)")

            #expect(await ActuatorTesting.outcome(probe, .start, timeout: .seconds(45)).succeeded)
            let stopped = await ActuatorTesting.outcome(probe, .stop, timeout: .seconds(45))
            #expect(stopped.succeeded, "\(stopped)")
            #expect(stopped.report?.state?.isDown == true, "\(stopped)")
            #expect(
                await ActuatorTesting.outcome(probe, .stop, timeout: .seconds(45)).succeeded,
                "stopping a stopped unit succeeds"
            )
            #expect(
                await ActuatorTesting.outcome(probe, .revert(snapshot: nil)) == .unsupported(.revert(snapshot: nil))
            )

            guard case .failed(let reason, _) = await ActuatorTesting.outcome(try actuator("broken.service"), .start)
            else {
                Issue.record("a unit whose start fails must fail")
                return
            }
            #expect(reason.contains("ended with \"failed\""), "\(reason)")

            guard case .failed(let missing, _) = await ActuatorTesting.outcome(try actuator("nosuch.service"), .start)
            else {
                Issue.record("an unknown unit must fail")
                return
            }
            #expect(missing.contains("nosuch.service"), "\(missing)")
            let unknown = try await SystemdUnitState.current(of: try actuator("nosuch.service"))
            #expect(unknown?.raw == "not-found", "\(String(describing: unknown))")

            // A start that hangs: when its time is up, the unit is stopped, so it cannot come up later unasked.
            let slow = try actuator("slow.service")
            let timedOut = await ActuatorTesting.outcome(slow, .start, timeout: .seconds(1))
            guard case .timedOut(let after, _) = timedOut else {
                Issue.record("expected a timeout: \(timedOut)")
                return
            }
            #expect(after == .seconds(1))
            #expect(try await Self.becomesDown(slow), "the hanging start was undone")

            let cancelled = await ActuatorTesting.outcome(
                slow,
                .start,
                timeout: .seconds(30),
                cancelAfter: .milliseconds(300)
            )
            #expect(cancelled == .cancelled)
            #expect(try await Self.becomesDown(slow), "the cancelled start was undone")
        }
    }
}
