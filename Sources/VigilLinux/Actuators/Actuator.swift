import Dispatch
import VigilCore

/// Something that performs operations on one target: a systemd unit, a libvirt domain, a process, a set of hooks.
///
/// An actuator is built for one target by its factory (see `ActuatorRegistry`) from the target's settings and an
/// `ActuatorContext`. `perform` never blocks its caller: the work runs on the actuator's own queues and the
/// outcome is delivered exactly once, on the context's completion queue (the engine queue). Every operation has a
/// time limit; when it passes, or when the caller cancels, the work is stopped for real (a hook's process group is
/// killed, a systemd job is cancelled) before `timedOut` or `cancelled` is reported.
public protocol Actuator: Sendable {
    /// The actuator's registered name (`systemd`, `libvirt`, `exec`, `signal`), for events.
    var name: String { get }

    /// Whether this actuator can perform `operation` on its target; `perform` answers `unsupported` otherwise.
    func supports(_ operation: ActuatorOperation) -> Bool

    /// Where outcomes are delivered: the context's completion queue (the engine queue).
    var completionQueue: DispatchQueue { get }

    /// Does `operation`, which `supports` accepted, reporting its outcome exactly once through `done`. Called by
    /// `perform` only.
    /// - Parameters:
    ///   - operation: what to do.
    ///   - timeout: how long the whole operation may take, escalations included.
    ///   - done: reports the outcome once, on the completion queue.
    /// - Returns: a handle whose `cancel()` stops the work and reports `cancelled` (if no outcome was reported yet).
    func run(_ operation: ActuatorOperation, timeout: Duration, done: ActuatorCompletion) -> ActuatorCancellation
}

extension Actuator {
    /// Starts `operation`: `unsupported` is reported at once for one this actuator does not do; otherwise the
    /// actuator's `run` does it.
    /// - Parameters:
    ///   - operation: what to do.
    ///   - timeout: how long the whole operation may take, escalations included.
    ///   - completion: called once with the outcome, on the context's completion queue.
    /// - Returns: a handle whose `cancel()` stops the work and reports `cancelled` (if no outcome was reported yet).
    @discardableResult
    public func perform(
        _ operation: ActuatorOperation,
        timeout: Duration,
        completion: @escaping @Sendable (ActuatorOutcome) -> Void
    ) -> ActuatorCancellation {
        let done = ActuatorCompletion(queue: completionQueue, handler: completion)
        guard supports(operation) else {
            done.deliver(.unsupported(operation))
            return .none
        }
        return run(operation, timeout: timeout, done: done)
    }
}

extension DispatchTimeInterval {
    /// A `Duration` as Dispatch's nanoseconds (saturating).
    init(_ duration: Duration) {
        self = .nanoseconds(Int(clamping: duration.nanoseconds))
    }
}
