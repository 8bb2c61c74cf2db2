/// The actuator a target's config names (`actuator = "exec"`, or a table with `name` and the actuator's own
/// settings), before it is built.
public struct ActuatorChoice: Sendable, Equatable {
    /// The built-in actuator of process targets: vigild spawns `exec` itself.
    public static let process = "process"

    /// The registered name: `process`, `exec`, `signal`.
    public var name: String
    /// The actuator's settings as the table gives them (`start = [...]`, `kill_grace = "2s"`).
    public var values: [String: ActuatorSettings.Value]

    public init(name: String, values: [String: ActuatorSettings.Value] = [:]) {
        self.name = name
        self.values = values
    }

    /// Whether this is the built-in process actuator.
    public var isProcess: Bool {
        name == Self.process
    }

    /// The settings for the actuator's factory, for `target`.
    public func settings(target: String) -> ActuatorSettings {
        ActuatorSettings(target: target, values: values)
    }
}
