extension ConfigParser {
    /// `standbys` across targets: each names another target of a kind that can be started alone, a standby serves
    /// one primary only, and a primary is not itself someone's standby (failover would not know who is active). In
    /// a `hot` group every member says how its running instance is promoted (any member may be promoted later:
    /// the primary rejoins as a standby after a failover).
    static func checkStandbys(
        _ targets: [(index: Int, target: TargetConfig)],
        sourceMap: ConfigSourceMap,
        problems: inout [ConfigProblem]
    ) {
        let names = Set(targets.map(\.target.name))
        var servedBy: [String: String] = [:]
        for (_, target) in targets {
            for standby in target.recovery?.standbys ?? [] where servedBy[standby] == nil {
                servedBy[standby] = target.name
            }
        }
        for (index, target) in targets {
            guard let standbys = target.recovery?.standbys, !standbys.isEmpty else { continue }
            func problem(_ message: String) {
                let line = sourceMap.line(of: ["target", String(index), "standbys"])
                problems.append(ConfigProblem(line: line, key: "target[\(target.name)].standbys", message: message))
            }
            if let primary = servedBy[target.name] {
                problem("\(target.name) is itself a standby of \(primary); a primary cannot also be a standby")
            }
            for standby in standbys {
                if standby == target.name {
                    problem("a target cannot be its own standby")
                } else if !names.contains(standby) {
                    problem("no target named \"\(standby)\" (standbys are other [[target]] entries)")
                } else if servedBy[standby] != target.name, let other = servedBy[standby] {
                    problem("\(standby) is already a standby of \(other); a standby serves one primary")
                }
            }
            guard target.recovery?.standbyMode == .hot else { continue }
            let byName = Dictionary(
                targets.map { ($0.target.name, $0.target) },
                uniquingKeysWith: { first, _ in first }
            )
            for member in [target.name] + standbys {
                guard let config = byName[member] else { continue }
                if !config.canStandHot {
                    let line = sourceMap.line(of: ["target", String(index), "standby_mode"])
                    problems.append(
                        ConfigProblem(
                            line: line,
                            key: "target[\(target.name)].standby_mode",
                            message: "\(member) cannot be a hot standby: only programs vigild spawns (which learn "
                                + "VIGIL_ROLE), systemd units (given VIGIL_ROLE by a runtime drop-in) and libvirt "
                                + "domains (kept paused) know their role when they start"
                        )
                    )
                    continue
                }
                guard !config.promotesItself else { continue }
                let line = sourceMap.line(of: ["target", String(index), "standby_mode"])
                problems.append(
                    ConfigProblem(
                        line: line,
                        key: "target[\(target.name)].standby_mode",
                        message: "hot standby needs \(member) to say how it is promoted: promote = [\"/path/cmd\"] "
                            + "or promote_signal = \"SIGUSR1\" in its [[target]] table (a libvirt domain is resumed)"
                    )
                )
            }
        }
    }
}
