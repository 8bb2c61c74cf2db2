import Dispatch

/// The one serial queue that owns all of the engine's mutable state. Every DispatchSource of the engine
/// targets it.
public enum EngineQueue {
    public static func make() -> DispatchQueue {
        DispatchQueue(label: "vigild.engine", qos: .userInitiated)
    }
}
