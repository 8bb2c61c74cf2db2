import Dispatch

/// Carries a value that is not `Sendable` (a DispatchSource, a mutable table) into the `@Sendable` handlers
/// of sources that all run on one serial queue.
///
/// This is the one `@unchecked Sendable` of the engine's plumbing. It is sound because every read and write
/// happens on `queue`, which `dispatchPrecondition` checks on each access.
public final class QueueConfined<Value>: @unchecked Sendable {
    public let queue: DispatchQueue
    private var stored: Value

    public init(_ value: Value, queue: DispatchQueue) {
        self.queue = queue
        self.stored = value
    }

    /// The value; only on `queue`.
    public var value: Value {
        get {
            dispatchPrecondition(condition: .onQueue(queue))
            return stored
        }
        set {
            dispatchPrecondition(condition: .onQueue(queue))
            stored = newValue
        }
    }
}
