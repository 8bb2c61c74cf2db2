import Synchronization

/// Cancels one operation in flight. Calling `cancel()` more than once, or after the outcome was reported, does
/// nothing. Cancelling never blocks: the actuator stops the work on its own queue and reports `cancelled`.
public final class ActuatorCancellation: Sendable {
    private let handler: Mutex<(@Sendable () -> Void)?>

    /// - Parameter handler: stops the work; called at most once.
    public init(_ handler: @escaping @Sendable () -> Void) {
        self.handler = Mutex(handler)
    }

    /// A handle for an operation that has nothing left to cancel (e.g. answered at once).
    public static var none: ActuatorCancellation {
        ActuatorCancellation {}
    }

    /// Stops the operation, if it is still running.
    public func cancel() {
        let taken = handler.withLock { stored -> (@Sendable () -> Void)? in
            let value = stored
            stored = nil
            return value
        }
        taken?()
    }
}
