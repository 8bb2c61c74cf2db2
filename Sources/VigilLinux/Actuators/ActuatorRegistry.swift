import VigilCore

/// The actuators vigild knows, by the name a target's config gives (`actuator = "systemd"`). Adding an actuator
/// is writing one type and registering its factory here.
public struct ActuatorRegistry: Sendable {
    /// Builds an actuator for one target from its settings.
    public typealias Factory =
        @Sendable (ActuatorSettings, ActuatorContext) throws(ActuatorSettingsError) -> any Actuator

    private var factories: [String: Factory] = [:]

    /// An empty registry.
    public init() {}

    /// `signal`, `exec`, `systemd` and `libvirt`.
    public static var standard: ActuatorRegistry {
        var registry = ActuatorRegistry()
        registry.register(SignalActuator.name, SignalActuator.make)
        registry.register(ExecActuator.name, ExecActuator.make)
        registry.register(SystemdActuator.name, SystemdActuator.make)
        registry.register(LibvirtActuator.name, LibvirtActuator.make)
        return registry
    }

    /// Adds (or replaces) the factory for `name`.
    public mutating func register(_ name: String, _ factory: @escaping Factory) {
        factories[name] = factory
    }

    /// The registered names, sorted.
    public var names: [String] {
        factories.keys.sorted()
    }

    /// Builds the actuator `name` for the target of `settings`.
    /// - Throws: `ActuatorSettingsError` for an unknown name or settings the actuator rejects.
    public func make(
        _ name: String,
        settings: ActuatorSettings,
        context: ActuatorContext
    ) throws(ActuatorSettingsError) -> any Actuator {
        guard let factory = factories[name] else {
            throw ActuatorSettingsError(
                target: settings.target,
                key: "actuator",
                message: "unknown actuator \"\(name)\" (known: \(names.joined(separator: ", ")))"
            )
        }
        return try factory(settings, context)
    }
}
