import Testing
import VigilCore

/// `env`, `cwd`, `user`, `group` (and `start_timeout`) only shape a command vigild runs: on a target where it runs
/// none they would be silently ignored, so they are refused with where to put them instead.
@Suite struct ConfigParserLaunchKeysTests {
    @Test func aServiceTargetRefusesUserAndEnvAndSaysToSetThemInTheUnit() {
        let problems = configProblems(
            """
            [[target]]
            name = "web"
            kind = "service"
            unit = "nginx.service"
            user = "www-data"
            env = { PORT = "80" }
            """
        )
        #expect(problems.map(\.key) == ["target[web].user", "target[web].env"])
        #expect(problems.map(\.line) == [5, 6])
        #expect(
            problems.first?.message
                == "vigild runs no command for this target, so this changes nothing: systemd runs the unit: set it "
                + "there (User=, Group=, WorkingDirectory=, Environment=)"
        )
    }

    @Test func aWatchOnlyCgroupTargetRefusesCwdAndStartTimeoutButAcceptsThemWithAStartCommand() {
        let watched = configProblems(
            """
            [[target]]
            name = "db"
            kind = "cgroup"
            cgroup = "/db"
            cwd = "/srv"
            start_timeout = "10s"
            """
        )
        #expect(watched.map(\.key) == ["target[db].cwd", "target[db].start_timeout"])
        #expect(
            watched.first?.message.hasSuffix(
                "it applies to the start command, and this target has none (it is only watched)"
            ) == true
        )
        let started = ConfigParser.parseAll(
            """
            [[target]]
            name = "db"
            kind = "cgroup"
            cgroup = "/db"
            start = ["/bin/systemctl", "start", "db"]
            cwd = "/srv"
            start_timeout = "10s"
            """
        ).problems
        #expect(started.isEmpty, "\(started)")
    }

    @Test func aTargetStartedByTheExecActuatorRefusesGroupAndNamesTheActuator() {
        let problems = configProblems(
            """
            [[target]]
            name = "daemon"
            pid_file = "/run/d.pid"
            group = "staff"
            actuator = { name = "exec", start = ["/bin/true"] }
            """
        )
        #expect(problems.map(\.key) == ["target[daemon].group"])
        #expect(
            problems.first?.message.hasSuffix(
                "the exec actuator starts this target: set it in its actuator table or the programs it runs"
            ) == true
        )
    }
}
