import Testing
import VigilCore

/// `standby_mode`, `promote`, `promote_signal`, `demote` and `status`, how a role is read from a `STATUS=` text or
/// a `status` command's output, and the drop-in that gives a unit its role.
@Suite struct HotStandbyConfigTests {
    private let group = """
        [[target]]
        name = "db-a"
        exec = ["/usr/bin/db"]
        standbys = ["db-b"]
        standby_mode = "hot"
        promote = ["/usr/local/sbin/db-promote", "--now"]
        demote = ["/usr/local/sbin/db-follow"]

        [[target]]
        name = "db-b"
        exec = ["/usr/bin/db"]
        promote_signal = "SIGUSR1"
        """

    @Test func aHotGroupParsesWithEachMembersWayOfBeingPromoted() throws {
        let config = try ConfigParser.parse(group, file: "vigil.toml")
        let primary = try #require(config.targets.first { $0.name == "db-a" })
        let standby = try #require(config.targets.first { $0.name == "db-b" })
        #expect(primary.recovery?.standbyMode == .hot)
        #expect(primary.roles.promote == .exec(["/usr/local/sbin/db-promote", "--now"]))
        #expect(primary.roles.demote == ["/usr/local/sbin/db-follow"])
        #expect(standby.roles.promote == .signal(.usr1))
        #expect(standby.recovery == nil)
    }

    @Test func standbysAreColdUnlessSaidOtherwise() throws {
        let text = group.replacingOccurrences(of: "standby_mode = \"hot\"\n", with: "")
        let config = try ConfigParser.parse(text, file: "vigil.toml")
        #expect(config.targets.first?.recovery?.standbyMode == .cold)
    }

    @Test func aHotGroupMemberThatCannotBePromotedIsRefusedNamingIt() throws {
        let text = group.replacingOccurrences(of: "promote_signal = \"SIGUSR1\"", with: "")
        let problem = try configProblem(text)
        #expect(problem.key == "target[db-a].standby_mode")
        #expect(problem.message.contains("db-b to say how it is promoted"), "\(problem)")
        #expect(problem.line == 5)
    }

    @Test func promoteTwoWaysAnUnknownSignalARelativeCommandAndAnUnknownModeAreRefused() throws {
        // Either mistake also leaves db-b without a way to be promoted, which is reported too.
        let both = configProblems(
            group.replacingOccurrences(of: "\"SIGUSR1\"", with: "\"SIGUSR1\"\npromote = [\"/bin/p\"]")
        )
        #expect(both.contains { $0.message.contains("not both") }, "\(both)")
        let signal = configProblems(group.replacingOccurrences(of: "\"SIGUSR1\"", with: "\"SIGNOPE\""))
        #expect(signal.contains { $0.key == "target[db-b].promote_signal" }, "\(signal)")
        let relative = try configProblem(
            group.replacingOccurrences(of: "\"/usr/local/sbin/db-follow\"", with: "\"db-follow\"")
        )
        #expect(relative.key == "target[db-a].demote" && relative.message.contains("absolute"), "\(relative)")
        let mode = try configProblem(group.replacingOccurrences(of: "\"hot\"", with: "\"warm\""))
        #expect(mode.message.contains("unknown standby mode \"warm\""), "\(mode)")
    }

    @Test func aRoleIsReadFromOneRoleWordInTheStatusText() {
        #expect(RoleReport.role(inStatus: "serving; role=primary") == .primary)
        #expect(RoleReport.role(inStatus: "role=standby, lag=0") == .standby)
        #expect(RoleReport.role(inStatus: "serving") == nil)
        #expect(RoleReport.role(inStatus: "role=primaryish") == nil)
        #expect(RoleReport.role(inStatus: "role=primary role=standby") == nil, "contradictory")
        #expect(RoleReport.role(inStatus: "primary role=primary\tok") == .primary)
    }

    @Test func aPromotionIssuedIsForgottenWhenAnotherStandbyIsChosen() {
        var machine = FailoverStateMachine(
            service: "web",
            roles: FailoverRoles(active: "web-a", standbys: ["web-b", "web-c"]),
            placement: StandbyPlacement(strategy: .ordered, standbys: ["web-b", "web-c"])
        )
        let now = MonotonicInstant(nanoseconds: 0)
        let candidates = [StandbyCandidate(name: "web-b"), StandbyCandidate(name: "web-c")]
        _ = machine.start(candidates: candidates, trigger: "test", now: now)
        _ = machine.outcome(.succeeded, sequence: machine.progress.sequence, now: now)
        _ = machine.status(.inactive, sequence: machine.progress.sequence, now: now)
        _ = machine.status(.inactive, sequence: machine.progress.sequence, now: now)
        #expect(machine.progress.phase == .promoting && machine.progress.standby == "web-b")
        machine.promotionIssued()
        #expect(machine.progress.promotionIssued == true)
        let actions = machine.outcome(.failed(reason: "no role report"), sequence: machine.progress.sequence, now: now)
        #expect(machine.progress.standby == "web-c" && machine.progress.promotionIssued == nil)
        #expect(actions.contains(.checkStatus(target: "web-c", sequence: machine.progress.sequence)))
    }

    @Test func aDaemonStartedByHooksCannotStandHotButAUnitAndALibvirtDomainWithAHeartbeatCan() throws {
        let hooks = group.replacingOccurrences(
            of: "name = \"db-b\"\nexec = [\"/usr/bin/db\"]",
            with: "name = \"db-b\"\npid_file = \"/run/db.pid\"\n"
                + "actuator = { name = \"exec\", start = [\"/usr/sbin/db-start\"] }"
        )
        let problem = try configProblem(hooks)
        #expect(problem.message.contains("db-b cannot be a hot standby"), "\(problem)")
        let unit = group.replacingOccurrences(
            of: "name = \"db-b\"\nexec = [\"/usr/bin/db\"]",
            with: "name = \"db-b\"\nkind = \"service\"\nunit = \"db.service\""
        )
        let units = try ConfigParser.parse(unit, file: "vigil.toml")
        #expect(units.targets.last?.canStandHot == true && units.targets.last?.roles.promote == .signal(.usr1))
        let domain = group.replacingOccurrences(
            of: "name = \"db-b\"\nexec = [\"/usr/bin/db\"]\npromote_signal = \"SIGUSR1\"",
            with: "name = \"db-b\"\nkind = \"vm\"\ndomain = \"db-b\""
        )
        let config = try ConfigParser.parse(domain, file: "vigil.toml")
        #expect(config.targets.last?.domain != nil && config.targets.last?.roles.promote == nil)
        // Its silence is not judged while it is paused; after its resume its next heartbeat confirms the promotion.
        let heartbeating = domain + "\nheartbeat = { interval = \"1s\", key_file = \"/k\" }\n"
        let withHeartbeat = try ConfigParser.parse(heartbeating, file: "vigil.toml")
        #expect(withHeartbeat.targets.last?.heartbeat != nil)
    }

    @Test func aStatusCommandIsParsedAndMustHaveAnAbsoluteProgram() throws {
        let text = group + "\nstatus = [\"/usr/local/sbin/db-role\", \"--port\", \"5432\"]\n"
        let config = try ConfigParser.parse(text, file: "vigil.toml")
        #expect(config.targets.last?.roles.status == ["/usr/local/sbin/db-role", "--port", "5432"])
        #expect(config.targets.first?.roles.status == nil)
        let relative = try configProblem(group + "\nstatus = [\"db-role\"]\n")
        #expect(relative.key == "target[db-b].status" && relative.message.contains("absolute"), "\(relative)")
    }

    @Test func aStatusCommandAnswersByTheLastLineOfItsOutputAndItsExitStatus() {
        #expect(RoleReport.role(inStatusOutput: "primary\n", exitedWithZero: true) == .primary)
        #expect(RoleReport.role(inStatusOutput: "lag 0\n  standby \r\n\n", exitedWithZero: true) == .standby)
        #expect(RoleReport.role(inStatusOutput: "primary\n", exitedWithZero: false) == nil, "failed: no answer")
        #expect(RoleReport.role(inStatusOutput: "", exitedWithZero: true) == nil)
        #expect(RoleReport.role(inStatusOutput: "primary\nconnection refused", exitedWithZero: true) == nil)
        #expect(RoleReport.role(inStatusOutput: "role=primary", exitedWithZero: true) == nil, "the word alone")
        #expect(RoleReport.role(inStatusOutput: "Primary", exitedWithZero: true) == nil)
    }

    @Test func aUnitsRoleDropInSetsItsEnvironmentUnderTheConfiguredDirectory() throws {
        let text = UnitRoleDropIn.text(role: .standby, target: "db-b", service: "db-a")
        #expect(text.contains("\n[Service]\nEnvironment=VIGIL_ROLE=standby VIGIL_TARGET=db-b VIGIL_SERVICE=db-a\n"))
        #expect(text.hasPrefix("# Written by vigild"))
        #expect(
            UnitRoleDropIn.path(unit: "db.service", directory: "/run/systemd/system")
                == "/run/systemd/system/db.service.d/50-vigil-role.conf"
        )
        #expect(DaemonConfig().systemdDropInDirectory == "/run/systemd/system")
        let set = try ConfigParser.parse("[daemon]\nsystemd_dropins = \"/srv/units\"\n", file: "vigil.toml")
        #expect(set.daemon.systemdDropInDirectory == "/srv/units")
        let relative = try configProblem("[daemon]\nsystemd_dropins = \"units\"\n")
        #expect(relative.key == "daemon.systemd_dropins" && relative.message.contains("absolute"), "\(relative)")
    }
}
