import Testing

@testable import VigilCore

@Suite struct ConfigParserCheckTests {
    static func problems(_ text: String) -> [String] {
        ConfigParser.parseAll(text).problems.map(\.description)
    }

    @Test func parsesCgroupAndVMTargetsWithChecksAndAHostTable() throws {
        let text = """
            [daemon]
            tick = "500ms"

            [host]
            checks = [
              { when = "memory.available < 5% for 30s", severity = "fault" },
              { when = "fs.free[/var] < 10% for 1m", clear_after = "5m" },
            ]

            [[target]]
            name = "db"
            kind = "cgroup"
            cgroup = "/system.slice/postgresql.service"
            start = ["/bin/systemctl", "start", "postgresql"]
            start_timeout = "1m"
            checks = [{ when = "memory.psi.full.avg10 > 20 for 30s", severity = "fault" }]

            [[target]]
            name = "web1"
            kind = "vm"
            machine = "web-1"

            [[target.checks]]
            when = "cpu.usage > 90 for 2m"
            """
        let config = try ConfigParser.parse(text, file: "vigil.toml")
        #expect(config.daemon.tick == .milliseconds(500))
        #expect(config.host.checks.count == 2)
        #expect(config.host.checks[0].severity == .fault)
        #expect(config.host.checks[1].severity == .warn)
        #expect(config.host.checks[1].clearAfter == .seconds(300))
        #expect(config.host.checks[1].metric == HealthMetric(name: "fs.free", argument: "/var"))
        let db = try #require(config.target(named: "db"))
        #expect(db.kind == .cgroup)
        #expect(db.cgroup == "/system.slice/postgresql.service")
        #expect(db.exec == ["/bin/systemctl", "start", "postgresql"])
        #expect(db.startTimeout == .seconds(60))
        #expect(db.checks.map(\.text) == ["memory.psi.full.avg10 > 20 for 30s"])
        let vm = try #require(config.target(named: "web1"))
        #expect(vm.kind == .vm)
        #expect(vm.machine == "web-1")
        #expect(vm.exec.isEmpty)
        // A VM gets the stuck-in-D check unless it has its own.
        #expect(vm.checks.map(\.text) == ["cpu.usage > 90 for 2m", "main.uninterruptible == 1 for 10s"])
    }

    @Test func reportsEveryCheckProblemWithItsLineAndKey() {
        let text = """
            [host]
            checks = [
              { when = "memory.available < 5%", severity = "fault" },
              { when = "cpu.usage > 5 for 1s" },
              { when = "load1 > 4 for 1s", severity = "panic", colour = "red" },
              "load1 > 4 for 1s",
            ]

            [[target]]
            name = "db"
            kind = "cgroup"
            exec = ["/bin/true"]
            checks = [{ severity = "warn" }]
            """
        let problems = Self.problems(text)
        let expected = [
            "3: host.checks[1].when: expected \"for DURATION\" after the bound, found the end",
            "4: host.checks[2].when: cpu.usage is measured for the target, not for a host",
            "5: host.checks[3].colour: unknown key",
            "5: host.checks[3].severity: unknown severity \"panic\"",
            "host.checks: element 4: expected a table",
            "target[db].exec: a cgroup target is not spawned by vigild",
            "target[db].cgroup: missing required key",
            "target[db].checks[1].when: missing required key",
        ]
        for fragment in expected {
            #expect(problems.contains { $0.contains(fragment) }, "no problem like \(fragment) in \(problems)")
        }
    }

    @Test func processTargetsRefuseCgroupKeysAndCgroupPathsAreChecked() {
        let text = """
            [[target]]
            name = "web"
            exec = ["/bin/true"]
            cgroup = "/x"

            [[target]]
            name = "bad"
            kind = "cgroup"
            cgroup = "/a/../b"
            notify_socket = true

            [[target]]
            name = "vm"
            kind = "vm"
            machine = "a/b"
            """
        let problems = Self.problems(text)
        #expect(problems.contains { $0.contains("target[web].cgroup: only for kind = \"cgroup\" or \"vm\" targets") })
        #expect(problems.contains { $0.contains("target[bad].cgroup: must be an absolute cgroup path") })
        #expect(problems.contains { $0.contains("target[bad].notify_socket: only for process targets") })
        #expect(problems.contains { $0.contains("target[vm].machine: a machine name has no /") })
    }

    @Test func tickMustBeSensible() {
        #expect(
            Self.problems("[daemon]\ntick = \"10ms\"").first?.contains("daemon.tick: must be between 100ms and 60s")
                == true
        )
    }
}
