import Testing
import VigilCore

/// `standby_mode`, `promote`, `promote_signal` and `demote`, and how a role is read from a `STATUS=` text.
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

    @Test func aDaemonStartedByHooksOrAUnitCannotStandHotButALibvirtDomainCan() throws {
        let unit = group.replacingOccurrences(
            of: "name = \"db-b\"\nexec = [\"/usr/bin/db\"]",
            with: "name = \"db-b\"\nkind = \"service\"\nunit = \"db.service\""
        )
        let problem = try configProblem(unit)
        #expect(problem.message.contains("db-b cannot be a hot standby"), "\(problem)")
        let domain = group.replacingOccurrences(
            of: "name = \"db-b\"\nexec = [\"/usr/bin/db\"]\npromote_signal = \"SIGUSR1\"",
            with: "name = \"db-b\"\nkind = \"vm\"\ndomain = \"db-b\""
        )
        let config = try ConfigParser.parse(domain, file: "vigil.toml")
        #expect(config.targets.last?.domain != nil && config.targets.last?.roles.promote == nil)
        // Kept paused while it stands by, a domain's guest cannot heartbeat: silence would convict it.
        let heartbeating = domain + "\nheartbeat = { interval = \"1s\", key_file = \"/k\" }\n"
        let paused = try configProblem(heartbeating)
        #expect(paused.message.contains("db-b cannot be a hot standby with a heartbeat"), "\(paused)")
    }
}
