import TOMLKit

extension ConfigParser {
    /// `actuator` of a process target: a name, or a table with `name` and the actuator's settings. Settings whose
    /// key ends in `_timeout` or `_grace` are durations; the others keep their TOML shape (the actuator's factory
    /// checks them when the configuration is loaded).
    static func parseActuator(
        _ reader: ConfigTableReader,
        kind: TargetKind,
        problems: inout [ConfigProblem]
    ) -> ActuatorChoice? {
        guard let value = reader.value("actuator") else { return nil }
        guard kind == .process else {
            let message =
                "only process targets choose an actuator (service targets are driven by systemd, cgroup and vm "
                + "targets by their start command)"
            problems.append(reader.problem("actuator", message))
            return nil
        }
        if let name = value.string {
            guard !name.isEmpty else {
                problems.append(reader.problem("actuator", "must not be empty"))
                return nil
            }
            return ActuatorChoice(name: name)
        }
        guard let table = value.table else {
            let expected = "an actuator name such as \"exec\", or a table with name and its settings"
            problems.append(reader.mismatch("actuator", expected: expected, found: value))
            return nil
        }
        let child = reader.child(table, key: "actuator")
        guard child.value("name") != nil else {
            problems.append(child.problem("name", "missing required key (the actuator, e.g. name = \"exec\")"))
            return nil
        }
        guard let name = child.nonEmptyString("name", problems: &problems) else { return nil }
        var values: [String: ActuatorSettings.Value] = [:]
        for key in table.keys.sorted() where key != "name" {
            guard let setting = child.value(key) else { continue }
            if let text = setting.string {
                if key.hasSuffix("_timeout") || key.hasSuffix("_grace") {
                    guard let duration = Duration(parsing: text), duration > .zero else {
                        let message =
                            "must be a positive duration such as \"30s\", found \(ConfigTableReader.quoted(text))"
                        problems.append(child.problem(key, message))
                        continue
                    }
                    values[key] = .duration(duration)
                } else {
                    values[key] = .string(text)
                }
            } else if let integer = setting.int {
                values[key] = .integer(integer)
            } else if let bool = setting.bool {
                values[key] = .bool(bool)
            } else if let array = setting.array, let strings = Optional(array.compactMap(\.string)),
                strings.count == array.count
            {
                values[key] = .strings(strings)
            } else {
                let expected = "a string, a number, true or false, or an array of strings"
                problems.append(child.mismatch(key, expected: expected, found: setting))
            }
        }
        return ActuatorChoice(name: name, values: values)
    }

    /// `pid_file` of a process target: an absolute path.
    static func parsePidFile(
        _ reader: ConfigTableReader,
        kind: TargetKind,
        problems: inout [ConfigProblem]
    ) -> String? {
        guard reader.value("pid_file") != nil else { return nil }
        guard kind == .process else {
            problems.append(reader.problem("pid_file", "only for process targets"))
            return nil
        }
        guard let path = reader.nonEmptyString("pid_file", problems: &problems) else { return nil }
        guard path.hasPrefix("/"), !path.hasSuffix("/") else {
            problems.append(
                reader.problem("pid_file", "must be an absolute file path, found \(ConfigTableReader.quoted(path))")
            )
            return nil
        }
        return path
    }
}
