import Dispatch
import Synchronization
import VigilCore

/// Delivers an operation's outcome exactly once on the completion queue, however many paths race to report it
/// (the work finishing, its time limit, a cancellation).
public final class ActuatorCompletion: Sendable {
    private let delivered = Mutex(false)
    private let queue: DispatchQueue
    private let handler: @Sendable (ActuatorOutcome) -> Void

    public init(queue: DispatchQueue, handler: @escaping @Sendable (ActuatorOutcome) -> Void) {
        self.queue = queue
        self.handler = handler
    }

    /// Whether an outcome has been reported.
    public var isDone: Bool {
        delivered.withLock { $0 }
    }

    /// Reports `outcome` unless one was reported before.
    /// - Returns: whether this call was the one that reported.
    @discardableResult
    public func deliver(_ outcome: ActuatorOutcome) -> Bool {
        let first = delivered.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        if first {
            let handler = handler
            queue.async { @Sendable in handler(outcome) }
        }
        return first
    }
}
