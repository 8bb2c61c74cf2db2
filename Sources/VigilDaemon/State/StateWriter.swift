import Dispatch
import VigilCore
import VigilLinux

/// Writes the state file off the engine queue: a save writes, fsyncs, renames and fsyncs the directory (a few
/// milliseconds), which the engine must not wait for. Saves are written in the order they are asked for.
final class StateWriter: Sendable {
    let store: StateStore
    private let queue = DispatchQueue(label: "vigild.state-writer", qos: .utility)
    private let lastError: QueueConfined<String?>

    init(store: StateStore) {
        self.store = store
        lastError = QueueConfined(nil, queue: queue)
    }

    /// Saves `state`.
    /// - Parameter onProblem: called on the writer's queue when a save fails with an error other than the last one,
    ///   and with `nil` when saving works again after a failure.
    func save(_ state: PersistedState, onProblem: @escaping @Sendable (String?) -> Void) {
        queue.async { @Sendable in
            do {
                try self.store.save(state)
                if self.lastError.value != nil {
                    self.lastError.value = nil
                    onProblem(nil)
                }
            } catch {
                let message = "\(error)"
                if message != self.lastError.value {
                    self.lastError.value = message
                    onProblem(message)
                }
            }
        }
    }

    /// Waits until every save asked for so far is done (at shutdown).
    func flush() {
        queue.sync {}
    }
}
