/// The per-target settings an actuator is built from, as the config gives them (`unit = "nginx.service"`,
/// `uri = "qemu:///system"`, `start = ["/usr/local/bin/vip", "up"]`). Each actuator's factory reads the keys it
/// knows and rejects the others, so a typo never silently disables an operation.
public struct ActuatorSettings: Sendable, Equatable {
    /// A setting's value, in the shapes TOML gives them.
    public enum Value: Sendable, Equatable {
        case string(String)
        case strings([String])
        case integer(Int)
        case bool(Bool)
        case duration(Duration)
    }

    /// The target these settings belong to (hooks see it as `VIGIL_TARGET`; errors name it).
    public var target: String
    public var values: [String: Value]

    public init(target: String, values: [String: Value] = [:]) {
        self.target = target
        self.values = values
    }

    /// A string setting.
    /// - Throws: `ActuatorSettingsError` when the key is missing (and `required`) or not a string.
    public func string(_ key: String, required: Bool = false) throws(ActuatorSettingsError) -> String? {
        switch values[key] {
        case .string(let value): return value
        case nil where !required: return nil
        case nil: throw error(key, "is required")
        default: throw error(key, "must be a string")
        }
    }

    /// A list of strings (an argv).
    /// - Throws: `ActuatorSettingsError` when the value is not a non-empty list of strings.
    public func strings(_ key: String) throws(ActuatorSettingsError) -> [String]? {
        switch values[key] {
        case .strings(let value) where !value.isEmpty: return value
        case nil: return nil
        default: throw error(key, "must be a non-empty list of strings")
        }
    }

    /// An integer setting.
    /// - Throws: `ActuatorSettingsError` when the value is not an integer.
    public func integer(_ key: String) throws(ActuatorSettingsError) -> Int? {
        switch values[key] {
        case .integer(let value): return value
        case nil: return nil
        default: throw error(key, "must be an integer")
        }
    }

    /// A boolean setting.
    /// - Throws: `ActuatorSettingsError` when the value is not a boolean.
    public func bool(_ key: String) throws(ActuatorSettingsError) -> Bool? {
        switch values[key] {
        case .bool(let value): return value
        case nil: return nil
        default: throw error(key, "must be true or false")
        }
    }

    /// A duration setting (the config parser turns `"30s"` into a `Duration`).
    /// - Throws: `ActuatorSettingsError` when the value is not a positive duration.
    public func duration(_ key: String) throws(ActuatorSettingsError) -> Duration? {
        switch values[key] {
        case .duration(let value) where value > .zero: return value
        case nil: return nil
        default: throw error(key, "must be a positive duration such as \"30s\"")
        }
    }

    /// Rejects keys the actuator does not know.
    /// - Throws: `ActuatorSettingsError` naming the first unknown key (in sorted order) and the known ones.
    public func requireOnly(_ known: Set<String>, actuator: String) throws(ActuatorSettingsError) {
        if let unknown = values.keys.sorted().first(where: { !known.contains($0) }) {
            throw error(
                unknown,
                "is not a setting of the \(actuator) actuator (known: \(known.sorted().joined(separator: ", ")))"
            )
        }
    }

    private func error(_ key: String, _ message: String) -> ActuatorSettingsError {
        ActuatorSettingsError(target: target, key: key, message: message)
    }
}

/// A setting an actuator cannot work with, naming the target and the key.
public struct ActuatorSettingsError: Error, Sendable, Equatable, CustomStringConvertible {
    public var target: String
    /// The key, or the actuator name for an unknown actuator.
    public var key: String
    public var message: String

    public init(target: String, key: String, message: String) {
        self.target = target
        self.key = key
        self.message = message
    }

    public var description: String {
        "target \(target): \(key): \(message)"
    }
}
