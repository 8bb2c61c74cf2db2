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

    /// Starts `operation`.
    /// - Parameters:
    ///   - operation: what to do.
    ///   - timeout: how long the whole operation may take, escalations included.
    ///   - completion: called once with the outcome, on the context's completion queue.
    /// - Returns: a handle whose `cancel()` stops the work and reports `cancelled` (if no outcome was reported yet).
    @discardableResult
    func perform(
        _ operation: ActuatorOperation,
        timeout: Duration,
        completion: @escaping @Sendable (ActuatorOutcome) -> Void
    ) -> ActuatorCancellation
}

extension Actuator {
    /// The opening of every `perform`: the completion that reports once on `queue`, and `unsupported` reported
    /// through it for an operation this actuator does not do.
    /// - Parameters:
    ///   - operation: what `perform` was asked for.
    ///   - queue: the context's completion queue.
    ///   - completion: `perform`'s completion.
    /// - Returns: the completion to report through, or `nil` when the operation is unsupported (already reported).
    func accept(
        _ operation: ActuatorOperation,
        on queue: DispatchQueue,
        _ completion: @escaping @Sendable (ActuatorOutcome) -> Void
    ) -> ActuatorCompletion? {
        let done = ActuatorCompletion(queue: queue, handler: completion)
        guard supports(operation) else {
            done.deliver(.unsupported(operation))
            return nil
        }
        return done
    }
}

extension DispatchTimeInterval {
    /// A `Duration` as Dispatch's nanoseconds (saturating).
    init(_ duration: Duration) {
        self = .nanoseconds(Int(clamping: duration.nanoseconds))
    }
}
