import VigilCore

/// The actuators vigild knows, by the name a target's config gives (`actuator = "systemd"`). Adding an actuator
/// is writing one type and registering its factory here.
public struct ActuatorRegistry: Sendable {
    /// Builds an actuator for one target from its settings.
    public typealias Factory =
        @Sendable (ActuatorSettings, ActuatorContext) throws(ActuatorSettingsError) -> any Actuator

    fileprivate var factories: [String: Factory] = [:]

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

extension ActuatorRegistry {
    /// The actuator a process target names other than the built-in `process` one, built from its settings; the
    /// signal actuator is given the target's `pid_file` when its table names no `pid` or `pid_file`.
    /// - Returns: `nil` for the built-in process actuator (the engine builds it from the target's launch).
    /// - Throws: `ActuatorSettingsError` for an unknown name or settings the actuator rejects.
    public func make(
        for target: TargetConfig,
        context: ActuatorContext
    ) throws(ActuatorSettingsError) -> (any Actuator)? {
        guard let choice = target.actuator else { return nil }
        var settings = choice.settings(target: target.name)
        if choice.isProcess {
            if let key = settings.values.keys.sorted().first {
                throw ActuatorSettingsError(
                    target: target.name,
                    key: key,
                    message: "the process actuator has no settings (it runs the target's exec)"
                )
            }
            return nil
        }
        if choice.name == SignalActuator.name, settings.values["pid"] == nil, settings.values["pid_file"] == nil,
            let pidFile = target.pidFile
        {
            settings.values["pid_file"] = .string(pidFile)
        }
        guard factories[choice.name] != nil else {
            throw ActuatorSettingsError(
                target: target.name,
                key: "name",
                message:
                    "unknown actuator \"\(choice.name)\" (known: \(([ActuatorChoice.process] + names).sorted().joined(separator: ", ")))"
            )
        }
        return try make(choice.name, settings: settings, context: context)
    }
}
