import Testing
import VigilCore

/// `actuator` and `pid_file` of process targets.
@Suite struct ConfigParserActuatorTests {
    static func problems(_ text: String) -> [String] {
        ConfigParser.parseAll(text).problems.map(\.description)
    }

    @Test func anActuatorTableKeepsItsSettingsInTheirShapes() throws {
        let config = try ConfigParser.parse(
            """
            [[target]]
            name = "nginx"
            pid_file = "/run/nginx.pid"
            start_timeout = "20s"
            actuator = { name = "exec", start = ["/usr/sbin/nginx"], stop = ["/usr/sbin/nginx", "-s", "quit"], kill_grace = "3s", cwd = "/", env = ["A=b"] }

            [[target]]
            name = "legacy"
            pid_file = "/run/legacy.pid"
            actuator = "signal"

            [[target]]
            name = "plain"
            exec = ["/bin/sleep", "1"]
            actuator = "process"
            """,
            file: "vigil.toml"
        )
        let nginx = config.targets[0]
        #expect(nginx.actuator?.name == "exec")
        #expect(nginx.actuator?.values["start"] == .strings(["/usr/sbin/nginx"]))
        #expect(nginx.actuator?.values["kill_grace"] == .duration(.seconds(3)))
        #expect(nginx.actuator?.values["cwd"] == .string("/"))
        #expect(nginx.pidFile == "/run/nginx.pid" && nginx.startTimeout == .seconds(20))
        #expect(nginx.exec.isEmpty && !nginx.spawnsProcess)
        #expect(config.targets[1].actuator == ActuatorChoice(name: "signal") && !config.targets[1].spawnsProcess)
        #expect(config.targets[2].spawnsProcess && config.targets[2].actuator?.isProcess == true)
    }

    @Test func mistakesAreRefusedWithTheKeyAndWhy() {
        let found = Self.problems(
            """
            [[target]]
            name = "a"
            exec = ["/bin/true"]
            actuator = { name = "exec", start = ["/x"] }

            [[target]]
            name = "b"
            actuator = { start = ["/x"] }
            pid_file = "/run/b.pid"

            [[target]]
            name = "c"
            kind = "service"
            unit = "c.service"
            actuator = "systemd"
            pid_file = "/run/c.pid"

            [[target]]
            name = "d"
            actuator = { name = "exec", kill_grace = "soon", start = ["/x", 3] }
            pid_file = "run/d.pid"

            [[target]]
            name = "e"
            exec = ["/bin/true"]
            start_timeout = "5s"
            """
        )
        let expected = [
            "target[a].exec: the exec actuator starts this target, not vigild",
            "target[a].pid_file: missing required key: a target started by the exec actuator is found and watched",
            "target[b].actuator.name: missing required key",
            "target[c].actuator: only process targets choose an actuator",
            "target[c].pid_file: only for process targets",
            "target[d].actuator.kill_grace: must be a positive duration",
            "target[d].actuator.start: expected a string, a number, true or false, or an array of strings",
            "target[d].pid_file: must be an absolute file path",
            "target[e].start_timeout: only for targets that vigild does not spawn itself",
        ]
        for text in expected {
            #expect(found.contains { $0.contains(text) }, "missing \(text) in \(found)")
        }
    }
}
