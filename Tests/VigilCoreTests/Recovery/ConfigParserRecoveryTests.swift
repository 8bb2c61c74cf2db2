import TOMLKit
import Testing

@testable import VigilCore

@Suite struct ConfigParserRecoveryTests {
    /// Parses the recovery keys of the first `[[target]]` in `text`, checking its keys as the target parser will
    /// (the lead hooks `recoveryKeys` into the target's known keys).
    private func parse(_ text: String) throws -> (config: RecoveryConfig, problems: [String]) {
        let root = try TOMLTable(string: text)
        let table = try #require(root["target"]?.array?[0].table)
        let reader = ConfigTableReader(
            table: table,
            name: "target[web]",
            path: ["target", "0"],
            sourceMap: ConfigSourceMap(text: text)
        )
        var problems: [ConfigProblem] = []
        reader.checkKeys(known: ["name", "exec"] + ConfigParser.recoveryKeys, problems: &problems)
        let config = ConfigParser.parseRecovery(reader, problems: &problems)
        return (config, ConfigProblem.inLineOrder(problems).map(\.description))
    }

    @Test func everyKeyParses() throws {
        let (config, problems) = try parse(
            """
            [[target]]
            name = "web"
            exec = ["/bin/true"]
            level = "high"
            recovery = ["restart", "exec:flush", "revert", "failover", "fence"]
            verify_window = "20s"
            verify_healthy_for = "5s"
            action_timeout = "45s"
            recovery_reset_after = "15m"
            standbys = ["web-b", "web-c"]
            placement = "weighted"
            weights = { web-b = 3, web-c = 1 }
            hooks = { flush = ["/usr/local/bin/flush-cache"], move-vip = ["/usr/local/sbin/move-vip", "10.0.0.5"] }
            promote_hooks = ["move-vip"]
            reserve_memory = "512M"
            reserve_cpu = 1.5
            priority = 70
            """
        )
        #expect(problems.isEmpty)
        #expect(config.level == .high)
        #expect(config.ladder == [.restart, .exec("flush"), .revert, .failover, .fence])
        #expect(config.verifyWindow == .seconds(20) && config.healthyFor == .seconds(5))
        #expect(config.actionTimeout == .seconds(45) && config.resetAfter == .seconds(900))
        #expect(config.standbys == ["web-b", "web-c"] && config.placement == .weighted)
        #expect(config.weights == ["web-b": 3, "web-c": 1])
        #expect(config.hooks["move-vip"] == ["/usr/local/sbin/move-vip", "10.0.0.5"])
        #expect(config.promoteHooks == ["move-vip"])
        #expect(config.reservation == ResourceReservation(memory: .bytes(512 << 20), cpu: 1.5))
        #expect(config.priority == 70)
    }

    @Test func absentKeysComeFromTheLevel() throws {
        let (config, problems) = try parse(
            "[[target]]\nname = \"web\"\nlevel = \"low\"\nstandbys = [\"web-b\"]\nreserve_memory = \"10%\"\n"
        )
        #expect(problems.isEmpty)
        #expect(config.ladder == [.restart, .restart, .restart])
        #expect(config.verifyWindow == .seconds(60) && config.priority == 10)
        #expect(config.reservation.memory == .percent(10))
        let (plain, _) = try parse("[[target]]\nname = \"web\"\n")
        #expect(plain == RecoveryConfig())
    }

    @Test func problemsNameTheKeyAndLine() throws {
        let (_, problems) = try parse(
            """
            [[target]]
            name = "web"
            level = "extreme"
            recovery = ["restart", "fence", "reboot", "failover", "exec:nope"]
            verify_window = "0"
            verify_healthy_for = "1m"
            standbys = ["web", "b", "b"]
            weights = { b = -1, z = 2 }
            promote_hooks = ["vip"]
            reserve_memory = "lots"
            reserve_cpu = 0
            recovry = ["restart"]
            """
        )
        #expect(
            problems == [
                "3: target[web].level: unknown fault-tolerance level \"extreme\" (expected one of: high, medium, low)",
                "4: target[web].recovery: step 2: fence must be the last step (the target is left down after it)",
                "4: target[web].recovery: step 3: unknown recovery step \"reboot\" (expected restart, reset, revert, failover, "
                    + "fence or exec:NAME)",
                "4: target[web].recovery: step 5: no hook named \"nope\" in hooks",
                "5: target[web].verify_window: must be longer than 0",
                "6: target[web].verify_healthy_for: 1m is longer than verify_window (30s): no step could ever be "
                    + "verified",
                "7: target[web].standbys: a target cannot be its own standby",
                "7: target[web].standbys: \"b\" is listed twice",
                "8: target[web].weights: weights only apply to placement = \"weighted\" (placement is \"ordered\")",
                "8: target[web].weights.b: must be 0 or more, found -1",
                "8: target[web].weights.z: not one of this target's standbys",
                "9: target[web].promote_hooks: no hook named \"vip\" in hooks",
                "10: target[web].reserve_memory: invalid size \"lots\" (write a number and a unit: B, K, M, G or T, "
                    + "e.g. \"512M\", or a percentage of the host's memory, e.g. \"10%\")",
                "11: target[web].reserve_cpu: must be more than 0 (in cores, e.g. 0.5), found 0.0",
                "12: target[web].recovry: unknown key; did you mean \"recovery\"? (known keys: name, exec, level, "
                    + "recovery, verify_window, verify_healthy_for, action_timeout, recovery_reset_after, standbys, "
                    + "placement, weights, hooks, promote_hooks, reserve_memory, reserve_cpu, priority, standby_mode)",
            ]
        )
    }

    @Test func failoverNeedsStandbys() throws {
        let (config, problems) = try parse("[[target]]\nname = \"web\"\nrecovery = [\"restart\", \"failover\"]\n")
        #expect(
            problems == ["3: target[web].recovery: step 2: failover needs standbys (standbys = [\"other-target\"])"]
        )
        #expect(config.ladder == RecoveryConfig().ladder)
    }
}
