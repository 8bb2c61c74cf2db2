extension ConfigParser {
    /// The keys of a `[[target]]` table that `parseRecovery` reads (the target parser reports unknown keys).
    static let recoveryKeys = [
        "level", "recovery", "verify_window", "verify_healthy_for", "action_timeout", "recovery_reset_after",
        "standbys", "placement", "weights", "hooks", "promote_hooks", "reserve_memory", "reserve_cpu", "priority",
        "standby_mode",
    ]

    /// A target's recovery keys (see `RecoveryConfig` for the schema). Keys that are absent come from `level`
    /// (default `medium`); keys that are wrong are reported and keep that default.
    /// - Parameters:
    ///   - reader: the `[[target]]` table. Other keys in it are left alone.
    ///   - problems: where problems are added, each naming its key and line.
    static func parseRecovery(_ reader: ConfigTableReader, problems: inout [ConfigProblem]) -> RecoveryConfig {
        let level: FaultToleranceLevel =
            reader.choice("level", what: "fault-tolerance level", problems: &problems) ?? .medium
        let standbys = parseStandbys(reader, problems: &problems)
        var config = RecoveryConfig(level: level, standbys: standbys)
        config.hooks = parseHooks(reader, problems: &problems)
        if let ladder = parseLadder(reader, config: config, problems: &problems) {
            config.ladder = ladder
        }
        if let window = positiveDuration("verify_window", reader, problems: &problems) {
            config.verifyWindow = window
        }
        if let healthyFor = positiveDuration("verify_healthy_for", reader, problems: &problems) {
            if healthyFor <= config.verifyWindow {
                config.healthyFor = healthyFor
            } else {
                let message =
                    "\(healthyFor.humanReadable) is longer than verify_window (\(config.verifyWindow.humanReadable)): "
                    + "no step could ever be verified"
                problems.append(reader.problem("verify_healthy_for", message))
            }
        }
        if let timeout = positiveDuration("action_timeout", reader, problems: &problems) {
            config.actionTimeout = timeout
        }
        if let resetAfter = reader.duration("recovery_reset_after", problems: &problems) {
            config.resetAfter = resetAfter
        }
        if let placement: PlacementStrategy = reader.choice(
            "placement",
            what: "placement strategy",
            problems: &problems
        ) {
            config.placement = placement
        }
        if let mode: StandbyMode = reader.choice("standby_mode", what: "standby mode", problems: &problems) {
            config.standbyMode = mode
        }
        config.weights = parseWeights(reader, config: config, problems: &problems)
        config.promoteHooks = parsePromoteHooks(reader, config: config, problems: &problems)
        config.reservation = ResourceReservation(
            memory: parseMemoryAmount("reserve_memory", reader, problems: &problems),
            cpu: parseCPU(reader, problems: &problems)
        )
        if let priority = reader.integer("priority", problems: &problems) {
            config.priority = priority
        }
        return config
    }

    /// `recovery = [...]`: known steps, `fence` only last, `failover` only with standbys or on a cluster resource
    /// (where it moves the resource to another node), `exec:NAME` only for a defined hook. nil when absent or wrong
    /// (the level's ladder is kept).
    private static func parseLadder(
        _ reader: ConfigTableReader,
        config: RecoveryConfig,
        problems: inout [ConfigProblem]
    ) -> [RecoveryStep]? {
        guard let texts = stringArray("recovery", reader, problems: &problems) else { return nil }
        var ladder: [RecoveryStep] = []
        var valid = true
        for (index, text) in texts.enumerated() {
            let place = "step \(index + 1)"
            guard let step = RecoveryStep(parsing: text) else {
                let message =
                    "\(place): unknown recovery step \(ConfigTableReader.quoted(text)) (expected restart, reset, revert, "
                    + "failover, fence or exec:NAME)"
                problems.append(reader.problem("recovery", message))
                valid = false
                continue
            }
            switch step {
            case .fence where index != texts.count - 1:
                let message = "\(place): fence must be the last step (the target is left down after it)"
                problems.append(reader.problem("recovery", message))
                valid = false
            case .failover where config.standbys.isEmpty && reader.value("cluster")?.bool != true:
                // A cluster resource's failover moves it to another node (`clusterRecoveryProblems`).
                let message = "\(place): failover needs standbys (standbys = [\"other-target\"])"
                problems.append(reader.problem("recovery", message))
                valid = false
            case .exec(let name) where config.hooks[name] == nil:
                let known = config.hooks.keys.sorted().joined(separator: ", ")
                let message =
                    "\(place): no hook named \(ConfigTableReader.quoted(name)) in hooks"
                    + (known.isEmpty ? "" : " (defined: \(known))")
                problems.append(reader.problem("recovery", message))
                valid = false
            default:
                break
            }
            ladder.append(step)
        }
        return valid ? ladder : nil
    }

    private static func parseStandbys(_ reader: ConfigTableReader, problems: inout [ConfigProblem]) -> [String] {
        guard let names = stringArray("standbys", reader, problems: &problems) else { return [] }
        let own = reader.value("name")?.string
        var standbys: [String] = []
        for name in names {
            if name.isEmpty {
                problems.append(reader.problem("standbys", "a standby's name must not be empty"))
            } else if name == own {
                problems.append(reader.problem("standbys", "a target cannot be its own standby"))
            } else if standbys.contains(name) {
                problems.append(reader.problem("standbys", "\(ConfigTableReader.quoted(name)) is listed twice"))
            } else {
                standbys.append(name)
            }
        }
        return standbys
    }

    private static func parseWeights(
        _ reader: ConfigTableReader,
        config: RecoveryConfig,
        problems: inout [ConfigProblem]
    ) -> [String: Int] {
        guard let weightsReader = reader.table("weights", problems: &problems) else { return [:] }
        if config.placement != .weighted {
            let message =
                "weights only apply to placement = \"weighted\" (placement is \"\(config.placement.rawValue)\")"
            problems.append(reader.problem("weights", message))
        }
        var weights: [String: Int] = [:]
        for name in weightsReader.table.keys.sorted() {
            guard let weight = weightsReader.integer(name, problems: &problems) else { continue }
            if !config.standbys.contains(name) {
                problems.append(weightsReader.problem(name, "not one of this target's standbys"))
            } else if weight < 0 {
                problems.append(weightsReader.problem(name, "must be 0 or more, found \(weight)"))
            } else {
                weights[name] = weight
            }
        }
        return weights
    }

    /// `hooks = { NAME = ["/path", "arg"] }`.
    private static func parseHooks(_ reader: ConfigTableReader, problems: inout [ConfigProblem]) -> [String: [String]] {
        guard let hooksReader = reader.table("hooks", problems: &problems) else { return [:] }
        var hooks: [String: [String]] = [:]
        for name in hooksReader.table.keys.sorted() {
            guard let argv = stringArray(name, hooksReader, problems: &problems) else { continue }
            guard let program = argv.first, !program.isEmpty else {
                problems.append(hooksReader.problem(name, "must give at least the program to run"))
                continue
            }
            hooks[name] = argv
        }
        return hooks
    }

    private static func parsePromoteHooks(
        _ reader: ConfigTableReader,
        config: RecoveryConfig,
        problems: inout [ConfigProblem]
    ) -> [String] {
        guard let names = stringArray("promote_hooks", reader, problems: &problems) else { return [] }
        if config.standbys.isEmpty {
            problems.append(reader.problem("promote_hooks", "only used by failover, and this target has no standbys"))
        }
        return names.filter { name in
            guard config.hooks[name] != nil else {
                problems.append(
                    reader.problem("promote_hooks", "no hook named \(ConfigTableReader.quoted(name)) in hooks")
                )
                return false
            }
            return true
        }
    }
}
