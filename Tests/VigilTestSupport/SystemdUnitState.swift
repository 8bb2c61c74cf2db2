import Dispatch
import Synchronization
import VigilCore
import VigilLinux

/// A unit's state read through a `SystemdUnitWatcher` (its first report is the state now), for tests that check
/// what systemd says about a unit.
public enum SystemdUnitState {
    /// The unit's state now, or `nil` when the watcher reports none within `timeout` (or loses the bus).
    /// - Throws: `SystemdBusError` when the bus cannot be reached.
    public static func current(
        of actuator: SystemdActuator,
        timeout: Duration = .seconds(20)
    ) async throws -> ActuatorTargetState? {
        let seen = Mutex<ActuatorTargetState?>(nil)
        let watcher = try actuator.watch(queue: DispatchQueue(label: "test.unit-state")) { @Sendable event in
            if case .state(let state) = event {
                seen.withLock { $0 = $0 ?? state }
            }
        }
        defer { watcher.cancel() }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let state = seen.withLock({ $0 }) {
                return state
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }
}
