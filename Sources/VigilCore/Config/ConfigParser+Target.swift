import TOMLKit

extension ConfigParser {
    static let targetKeys =
        [
            "name", "kind", "exec", "env", "cwd", "user", "group", "stop_signal", "stop_timeout", "restart",
            "heartbeat",
            "notify_socket", "cgroup", "machine", "unit", "start", "start_timeout", "checks", "actuator", "pid_file",
        ] + recoveryKeys + domainKeys + roleKeys + ["cluster"] + clusterPlacementOnlyKeys + addressKeys
    static let maximumNameLength = 64

    /// The `[[target]]` entries, in file order. A target with a problem is left out (the problem is recorded).
    /// The targets that parse (valid name and exec), each with its index among the `[[target]]` entries.
    static func parseTargets(
        _ root: ConfigTableReader,
        problems: inout [ConfigProblem]
    ) -> [(index: Int, target: TargetConfig)] {
        guard let value = root.value("target") else { return [] }
        guard let array = value.array else {
            let expected = "[[target]] entries (an array of tables)"
            problems.append(root.mismatch("target", expected: expected, found: value))
            return []
        }
        var targets: [(index: Int, target: TargetConfig)] = []
        // Name → line of its first definition, to point a duplicate back at the original.
        var firstLines: [String: Int?] = [:]
        for (index, element) in array.enumerated() {
            let path = ["target", String(index)]
            let positionalName = "target[#\(index + 1)]"
            guard let table = element.table else {
                let message = "expected a table, found \(ConfigTableReader.describe(element))"
                problems.append(
                    ConfigProblem(line: root.sourceMap.line(of: path), key: positionalName, message: message)
                )
                continue
            }
            var reader = ConfigTableReader(table: table, name: positionalName, path: path, sourceMap: root.sourceMap)
            let name = parseName(reader, problems: &problems)
            var duplicate = false
            if let name {
                if let first = firstLines[name] {
                    duplicate = true
                    let place = first.map { "line \($0)" } ?? "an earlier target"
                    problems.append(
                        reader.problem("name", "duplicate target name \"\(name)\" (first defined on \(place))")
                    )
                } else {
                    firstLines[name] = reader.line("name")
                    reader.name = "target[\(name)]"
                }
            }
            if let target = parseTarget(reader, name: name, problems: &problems), !duplicate {
                targets.append((index, target))
            }
        }
        return targets
    }

    /// The target's name if it is present and valid (not yet checked for uniqueness).
    private static func parseName(_ reader: ConfigTableReader, problems: inout [ConfigProblem]) -> String? {
        guard reader.value("name") != nil else {
            problems.append(reader.problem("name", "missing required key (every target needs a unique name)"))
            return nil
        }
        guard let name = reader.string("name", problems: &problems) else { return nil }
        guard !name.isEmpty else {
            problems.append(reader.problem("name", "must not be empty"))
            return nil
        }
        guard name.count <= maximumNameLength, name.unicodeScalars.allSatisfy(isNameScalar) else {
            let rule = "use at most \(maximumNameLength) of the characters A-Z a-z 0-9 _ . @ -"
            problems.append(reader.problem("name", "invalid target name \(ConfigTableReader.quoted(name)) (\(rule))"))
            return nil
        }
        return name
    }

    private static func parseTarget(
        _ reader: ConfigTableReader,
        name: String?,
        problems: inout [ConfigProblem]
    ) -> TargetConfig? {
        reader.checkKeys(known: targetKeys, problems: &problems)
        var kind = TargetKind.process
        if let parsed: TargetKind = reader.choice("kind", what: "target kind", problems: &problems) {
            kind = parsed
        }
        var exec: [String]?
        var unit: String?
        var cgroup: String?
        var machine: String?
        let actuator = parseActuator(reader, kind: kind, problems: &problems)
        let pidFile = parsePidFile(reader, kind: kind, problems: &problems)
        let domain = parseDomain(reader, kind: kind, problems: &problems)
        let address = parseAddress(reader, kind: kind, problems: &problems)
        switch kind {
        case .address:
            exec = []
        case .process:
            if let actuator, !actuator.isProcess {
                exec = []
                if reader.value("exec") != nil {
                    let message =
                        "the \(actuator.name) actuator starts this target, not vigild: give its commands in the "
                        + "actuator table (e.g. start = [...])"
                    problems.append(reader.problem("exec", message))
                }
                if pidFile == nil, reader.value("pid_file") == nil {
                    let message =
                        "missing required key: a target started by the \(actuator.name) actuator is found and watched "
                        + "through the PID file its daemon writes"
                    problems.append(reader.problem("pid_file", message))
                }
            } else {
                exec = parseExec(reader, key: "exec", required: true, problems: &problems)
            }
            for key in ["cgroup", "machine", "start", "unit"] where reader.value(key) != nil {
                problems.append(reader.problem(key, "only for kind = \"cgroup\" or \"vm\" targets"))
            }
            if reader.value("start_timeout") != nil, actuator == nil || actuator?.isProcess == true {
                let message = "only for targets that vigild does not spawn itself (cgroup, vm, service, or an actuator)"
                problems.append(reader.problem("start_timeout", message))
            }
        case .service:
            exec = []
            for key in ["exec", "start", "cgroup", "machine", "notify_socket"] where reader.value(key) != nil {
                let message = "not for kind = \"service\" targets: systemd starts and stops the unit"
                problems.append(reader.problem(key, message))
            }
            unit = parseUnit(reader, problems: &problems)
        case .cgroup, .vm:
            exec = parseExec(reader, key: "start", required: false, problems: &problems) ?? []
            if reader.value("exec") != nil {
                let message =
                    "a \(kind.rawValue) target is not spawned by vigild; give the command that starts it as start"
                problems.append(reader.problem("exec", message))
            }
            (cgroup, machine) = parseWatched(
                reader,
                kind: kind,
                optional: reader.value("domain") != nil,
                problems: &problems
            )
        }
        let startTimeout = reader.duration("start_timeout", problems: &problems) ?? .seconds(30)
        var recovery: RecoveryConfig?
        let clusterResource = reader.value("cluster")?.bool == true
        // A cluster resource's placement keys are the placer's, not a recovery's (`parseClusterPlacement`).
        let ownKeys = clusterResource ? recoveryKeys.filter { !clusterPlacementKeys.contains($0) } : recoveryKeys
        if ownKeys.contains(where: { reader.value($0) != nil }) {
            recovery = parseRecovery(reader, problems: &problems)
        }
        var checks = parseChecks(reader, scope: .target, problems: &problems)
        if kind == .vm, machine != nil, !checks.contains(where: { $0.metric.name == "main.uninterruptible" }) {
            checks.append(Self.stuckVMCheck)
        }
        let env = parseEnv(reader, problems: &problems) ?? [:]
        var cwd = reader.string("cwd", problems: &problems)
        if let path = cwd, !path.hasPrefix("/") {
            let message = "must be an absolute path, found \(ConfigTableReader.quoted(path))"
            problems.append(reader.problem("cwd", message))
            cwd = nil
        }
        let user = reader.nonEmptyString("user", problems: &problems)
        let group = reader.nonEmptyString("group", problems: &problems)
        let stopSignal = parseSignal(reader, problems: &problems) ?? .term
        let stopTimeout =
            reader.duration("stop_timeout", problems: &problems) ?? domain?.defaultStopTimeout
            ?? (kind == .address ? .milliseconds(500) : .seconds(10))
        var restart = RestartConfig()
        var restartKeys: Set<String> = []
        if let restartReader = reader.table("restart", problems: &problems) {
            restart = parseRestart(restartReader, problems: &problems)
            restartKeys = Set(restartReader.table.keys)
        }
        var heartbeat: HeartbeatConfig?
        var heartbeatKeys: Set<String> = []
        if let heartbeatReader = reader.table("heartbeat", problems: &problems) {
            heartbeat = parseHeartbeat(heartbeatReader, problems: &problems)
            heartbeatKeys = Set(heartbeatReader.table.keys)
        }
        if let level = recovery?.level {
            // The fault-tolerance level also sets the restart and detector figures the target did not write.
            restart = level.applied(to: restart, explicitKeys: restartKeys)
            heartbeat = heartbeat.map { level.applied(to: $0, explicitKeys: heartbeatKeys) }
            // A ladder's restart steps are paced by the target's restart table.
            recovery?.restart = restart
        }
        let roles = parseRoleChange(reader, problems: &problems)
        let notifySocket = reader.bool("notify_socket", problems: &problems) ?? false
        let cluster = reader.bool("cluster", problems: &problems) ?? false
        if notifySocket, kind != .process {
            problems.append(reader.problem("notify_socket", "only for process targets, which vigild spawns itself"))
        }
        if let heartbeat, heartbeat.keyFile == nil, !notifySocket {
            let message =
                "nothing can deliver these heartbeats: set heartbeat.key_file (UDP or unix datagrams) or "
                + "notify_socket = true (sd_notify WATCHDOG=1)"
            problems.append(reader.problem("heartbeat", message))
        }
        if domain?.channel != nil, heartbeat?.keyFile == nil {
            let message =
                "the guest's heartbeats over this channel need a [target.heartbeat] table with a key_file (their "
                + "HMAC key)"
            problems.append(reader.problem("channel", message))
        }
        if let exec, exec.isEmpty {
            problems += launchOnlyKeysProblems(reader, kind: kind, actuator: actuator, domain: domain != nil)
        }
        guard let name, let exec,
            kind == .process || cgroup != nil || machine != nil || unit != nil || domain != nil || address != nil
        else {
            return nil
        }
        var target = TargetConfig(
            name: name,
            kind: kind,
            exec: exec,
            env: env,
            cwd: cwd,
            user: user,
            group: group,
            stopSignal: stopSignal,
            stopTimeout: stopTimeout,
            restart: restart,
            heartbeat: heartbeat,
            notifySocket: notifySocket,
            cgroup: cgroup,
            machine: machine,
            unit: unit,
            checks: checks,
            startTimeout: startTimeout,
            recovery: recovery,
            actuator: actuator,
            pidFile: pidFile,
            domain: domain,
            roles: roles,
            cluster: cluster,
            address: address,
            follows: parseFollows(reader, kind: kind, problems: &problems)
        )
        target.clusterPlacement = parseClusterPlacement(reader, cluster: cluster, problems: &problems)
        // A follower goes wherever its leader is placed (an address with the service it fronts).
        target.clusterPlacement.follows = target.follows
        return target
    }

    /// `env`, `cwd`, `user` and `group` shape the command vigild runs (`exec`, or a cgroup or vm target's `start`);
    /// on a target where vigild runs none they would change nothing, so they are refused with where to put them.
    /// `start_timeout` likewise on a watched-only cgroup or vm target, which nothing starts.
    private static func launchOnlyKeysProblems(
        _ reader: ConfigTableReader,
        kind: TargetKind,
        actuator: ActuatorChoice?,
        domain: Bool
    ) -> [ConfigProblem] {
        let instead: String
        switch kind {
        case .service:
            instead =
                "systemd runs the unit: set it there (User=, Group=, WorkingDirectory=, Environment=)"
        case .address:
            instead = "an address target runs no command"
        case .process:
            let name = actuator?.name ?? "process"
            instead = "the \(name) actuator starts this target: set it in its actuator table or the programs it runs"
        case .cgroup, .vm:
            instead =
                domain
                ? "libvirt starts the domain: set it in the domain's definition, or give a start command"
                : "it applies to the start command, and this target has none (it is only watched)"
        }
        var problems: [ConfigProblem] = []
        for key in ["env", "cwd", "user", "group"] where reader.value(key) != nil {
            problems.append(
                reader.problem(key, "vigild runs no command for this target, so this changes nothing: \(instead)")
            )
        }
        if kind == .cgroup || kind == .vm, !domain, reader.value("start_timeout") != nil {
            let message =
                "the time a start command has to fill the cgroup, and this target has none (it is only watched)"
            problems.append(reader.problem("start_timeout", message))
        }
        return problems
    }

    /// The check every `vm` target has unless it configures its own on `main.uninterruptible`: a QEMU (or a
    /// container's init) stuck in state D for 10 s is a fault.
    static let stuckVMCheck = HealthCheck(
        metric: HealthMetric(name: "main.uninterruptible"),
        comparison: .equal,
        bound: .value(1),
        holdFor: .seconds(10),
        severity: .fault,
        text: "main.uninterruptible == 1 for 10s"
    )

    /// `unit` of a service target: a unit name with its type suffix.
    private static func parseUnit(_ reader: ConfigTableReader, problems: inout [ConfigProblem]) -> String? {
        guard reader.value("unit") != nil else {
            problems.append(
                reader.problem("unit", "missing required key (the systemd unit, e.g. unit = \"nginx.service\")")
            )
            return nil
        }
        guard let unit = reader.nonEmptyString("unit", problems: &problems) else { return nil }
        let suffixes = [".service", ".socket", ".target", ".mount", ".timer", ".path", ".scope", ".slice", ".swap"]
        guard !unit.contains("/"), suffixes.contains(where: { unit.hasSuffix($0) && unit.count > $0.count }) else {
            let message = "\(ConfigTableReader.quoted(unit)) is not a unit name (e.g. \"nginx.service\")"
            problems.append(reader.problem("unit", message))
            return nil
        }
        return unit
    }

    /// `cgroup` for a cgroup target, `machine` for a vm target; each required for its kind (unless `optional`: a vm
    /// driven through libvirt may name its machine scope, for its figures) and refused otherwise.
    private static func parseWatched(
        _ reader: ConfigTableReader,
        kind: TargetKind,
        optional: Bool = false,
        problems: inout [ConfigProblem]
    ) -> (cgroup: String?, machine: String?) {
        let wanted = kind == .cgroup ? "cgroup" : "machine"
        let other = kind == .cgroup ? "machine" : "cgroup"
        if reader.value(other) != nil {
            problems.append(reader.problem(other, "not for kind = \"\(kind.rawValue)\" targets (use \(wanted))"))
        }
        guard reader.value(wanted) != nil else {
            if optional {
                return (nil, nil)
            }
            let hint =
                kind == .cgroup
                ? "the cgroup path, e.g. cgroup = \"/system.slice/db.service\""
                : "the libvirt domain or nspawn machine name, e.g. machine = \"web1\""
            problems.append(reader.problem(wanted, "missing required key (\(hint))"))
            return (nil, nil)
        }
        guard let text = reader.nonEmptyString(wanted, problems: &problems) else { return (nil, nil) }
        if kind == .cgroup {
            let parts = text.split(separator: "/")
            guard text.hasPrefix("/"), !parts.isEmpty, !parts.contains(".."), !parts.contains(".") else {
                let message =
                    "must be an absolute cgroup path below the root, without . or .., found \(ConfigTableReader.quoted(text))"
                problems.append(reader.problem("cgroup", message))
                return (nil, nil)
            }
            return (text, nil)
        }
        guard !text.contains("/") else {
            problems.append(
                reader.problem("machine", "a machine name has no /, found \(ConfigTableReader.quoted(text))")
            )
            return (nil, nil)
        }
        return (nil, text)
    }

    private static func parseExec(
        _ reader: ConfigTableReader,
        key: String,
        required: Bool,
        problems: inout [ConfigProblem]
    ) -> [String]? {
        let expected = "an array of strings"
        guard let value = reader.value(key) else {
            if required {
                let hint = "the program and its arguments, e.g. exec = [\"/usr/bin/web\", \"--port\", \"8080\"]"
                problems.append(reader.problem(key, "missing required key (\(hint))"))
            }
            return nil
        }
        guard let array = value.array else {
            problems.append(reader.mismatch(key, expected: expected, found: value))
            return nil
        }
        guard !array.isEmpty else {
            problems.append(reader.problem(key, "must not be empty (give at least the program to run)"))
            return nil
        }
        var exec: [String] = []
        for (index, element) in array.enumerated() {
            guard let string = element.string else {
                let found = ConfigTableReader.describe(element)
                problems.append(reader.problem(key, "expected \(expected), but element \(index + 1) is \(found)"))
                return nil
            }
            exec.append(string)
        }
        guard !exec[0].isEmpty else {
            problems.append(reader.problem(key, "the program (element 1) must not be empty"))
            return nil
        }
        return exec
    }

    private static func parseEnv(_ reader: ConfigTableReader, problems: inout [ConfigProblem]) -> [String: String]? {
        guard let value = reader.value("env") else { return nil }
        guard let table = value.table else {
            problems.append(
                reader.mismatch("env", expected: "a table of strings, e.g. { PORT = \"8080\" }", found: value)
            )
            return nil
        }
        let envReader = reader.child(table, key: "env")
        var env: [String: String] = [:]
        for key in table.keys {
            if !isEnvironmentName(key) {
                let rule = "use letters, digits and _, not starting with a digit"
                problems.append(envReader.problem(key, "invalid environment variable name (\(rule))"))
            }
            if let string = envReader.string(key, problems: &problems) {
                env[key] = string
            }
        }
        return env
    }

    private static func parseSignal(_ reader: ConfigTableReader, problems: inout [ConfigProblem]) -> Signal? {
        guard let value = reader.value("stop_signal") else { return nil }
        let known = "known: " + Signal.names.keys.sorted().joined(separator: ", ") + ", or a number 1-64"
        if let number = value.int {
            guard (1...64).contains(number) else {
                problems.append(reader.problem("stop_signal", "unknown signal \(number) (\(known))"))
                return nil
            }
            return Signal(number: Int32(number))
        }
        guard let name = value.string else {
            let expected = "a signal name like \"TERM\" or a number"
            problems.append(reader.mismatch("stop_signal", expected: expected, found: value))
            return nil
        }
        guard let signal = Signal(name: name) else {
            problems.append(
                reader.problem("stop_signal", "unknown signal \(ConfigTableReader.quoted(name)) (\(known))")
            )
            return nil
        }
        return signal
    }

    static func isNameScalar(_ scalar: Unicode.Scalar) -> Bool {
        isEnvironmentScalar(scalar) || scalar == "." || scalar == "@" || scalar == "-"
    }

    private static func isEnvironmentName(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, !("0"..."9").contains(first) else { return false }
        return key.unicodeScalars.allSatisfy(isEnvironmentScalar)
    }

    private static func isEnvironmentScalar(_ scalar: Unicode.Scalar) -> Bool {
        ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_"
    }
}
